import { CoreError } from "../errors.js";
import { parseContentType } from "../mime/content-type.js";
import { isContentField } from "../mime/headers.js";
import { getHeader, type HeaderField, parseEntity } from "../mime/parse-entity.js";
import type { Identity } from "../pki/identity.js";
import { decodeEntityBody } from "./body.js";
import { checkSmimeType, classifyEntity, sniffCms } from "./classify.js";
import { decryptEnvelope } from "./decrypt-envelope.js";
import { encryptedLayer } from "./layer-report.js";
import { checkMessageSize, resolveSmimeLimits, type SmimeLimits } from "./limits.js";
import type { EncryptedLayer } from "./types.js";

export interface DecryptLayerResult {
  /** The decrypted content octets, unmodified. */
  content: Uint8Array;
  layer: EncryptedLayer;
  /** The plaintext message to store in place of the encrypted one (see assemblePlaintext). */
  message: Uint8Array;
}

/**
 * Decrypts only the outermost layer of an encrypted message (the Decrypt button):
 * signatures inside stay as they are, so the stored plaintext still verifies.
 */
export async function decryptOuterLayer(
  raw: Uint8Array,
  options: { identities: Identity[]; limits?: Partial<SmimeLimits> },
): Promise<DecryptLayerResult> {
  const limits = resolveSmimeLimits(options.limits);
  checkMessageSize(raw, limits);
  const outer = parseEntity(raw);
  const contentType = parseContentType(getHeader(outer, "content-type")?.value);
  if (classifyEntity(outer, contentType) !== "pkcs7-mime")
    throw new CoreError("invalid-argument", "the message is not encrypted");
  const der = decodeEntityBody(outer);
  const cms = sniffCms(der);
  checkSmimeType(contentType.params["smime-type"], cms.kind, cms.oid);
  if (cms.kind !== "enveloped" && cms.kind !== "authEnveloped")
    throw new CoreError("invalid-argument", "the message is not encrypted");
  if (options.identities.length === 0) throw new CoreError("not-a-recipient", "no private key was offered");
  // Noise (CBC without integrity) is never stored as a "decrypted" message: decryptEnvelope.
  const result = await decryptEnvelope(der, options.identities, limits);
  return {
    content: result.content,
    layer: encryptedLayer(result.info),
    message: assemblePlaintext(outer.headers, result.content),
  };
}

/**
 * The plaintext that replaces an encrypted message: the outer header block
 * without its Content-* fields (and MIME-Version), followed by the decrypted entity, inner
 * header fields winning — a field name present inside drops every outer field of that name.
 * A message encrypted whole (Encrypt in place, Store Encrypted) repeats all its visible
 * fields inside, so it comes back byte for byte.
 */
export function assemblePlaintext(outerHeaders: readonly HeaderField[], inner: Uint8Array): Uint8Array {
  const kept = outerFieldsKept(outerHeaders, parseEntity(inner).headers);
  return kept.length === 0 ? inner : Buffer.concat([...kept.map((f) => f.raw), inner]);
}

/** The outer fields assemblePlaintext keeps in front of the inner entity with these fields. */
export function outerFieldsKept(
  outerHeaders: readonly HeaderField[],
  innerHeaders: readonly HeaderField[],
): HeaderField[] {
  const innerNames = new Set(innerHeaders.map((f) => f.name.toLowerCase()));
  return outerHeaders.filter((f) => {
    const name = f.name.toLowerCase();
    return !isContentField(f.name) && name !== "mime-version" && !innerNames.has(name);
  });
}
