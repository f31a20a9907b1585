import { type VerifyOptions, verifySignedData } from "../cms/signed/index.js";
import { CoreError, isCoreError } from "../errors.js";
import { parseContentType } from "../mime/content-type.js";
import { type MimePart, splitMultipart, splitSigned } from "../mime/multipart.js";
import { getHeader, type MimeEntity, parseEntity } from "../mime/parse-entity.js";
import type { Certificate } from "../pki/certificate.js";
import type { Crl } from "../pki/crl.js";
import type { Identity } from "../pki/identity.js";
import { pathBudget } from "../pki/path-budget.js";
import { decodeEntityBody } from "./body.js";
import { checkSmimeType, classifyEntity, signedDataShape, sniffCms } from "./classify.js";
import { decryptEnvelope } from "./decrypt-envelope.js";
import { encryptedLayer, senderAddresses, signatureChecks, signedLayer } from "./layer-report.js";
import { checkMessageSize, resolveSmimeLimits, type SmimeLimits } from "./limits.js";
import { detachedSignatureDer } from "./signature-part.js";
import { signedPartBytes } from "./signed-part-bytes.js";
import type { Layer, SignedLayer } from "./types.js";

export interface OpenOptions {
  /** Keys that may decrypt: the account's current key first, then earlier ones. */
  identities?: Identity[];
  /** Trust anchors for signer certificates. */
  trust?: Certificate[];
  /** Other known certificates (address book, directory, intermediates). */
  known?: Certificate[];
  crls?: Crl[];
  /** Validation time; default now. */
  at?: Date;
  /** The address signers must match; default: the outermost From mailboxes (never Sender). */
  from?: string;
  limits?: Partial<SmimeLimits>;
  /**
   * Parsed message certificates by SHA-256, owned by the caller and reused across messages
   * (verifySignedData's certificateCache): importing a certificate's key costs more than
   * checking a signature with it.
   */
  certificateCache?: Map<string, Certificate>;
}

export interface OpenResult {
  /** Outermost first. */
  layers: Layer[];
  /**
   * The innermost entity: for a signature exactly the bytes it covers (canonical CRLF);
   * for encryption the decrypted content octets, unmodified.
   */
  content: Uint8Array;
  /**
   * The header block of the message inside the outermost encryption layer, when that layer
   * holds a whole message (From, To, Subject or Date among its fields) and no signature encloses
   * it (a signature outside was checked against the envelope's From): the protected header
   * a reader shows instead of the envelope's (RFC 8551 §3.1, RFC 9788 — the envelope may read
   * `Subject: [...]`). Absent for mail that is not encrypted. Signatures inside it are checked
   * against its From (unless `from` is given), not the envelope's: that is the From a reader sees.
   */
  protectedHeader?: Uint8Array;
}

const MESSAGE_FIELDS = new Set(["from", "to", "subject", "date"]);

/**
 * Peels every S/MIME layer of a message, outermost first (DESIGN.md `open`). Signature
 * verdicts are results (bad-signature included); only a message that cannot be opened
 * at all throws: not-a-recipient, decryption-failed, malformed, unsupported-algorithm,
 * limit-exceeded.
 */
export async function openMessage(raw: Uint8Array, options: OpenOptions = {}): Promise<OpenResult> {
  const limits = resolveSmimeLimits(options.limits);
  checkMessageSize(raw, limits);
  const outer = parseEntity(raw);
  let expectedAddresses = options.from ? [options.from] : senderAddresses(outer);
  const at = options.at ?? new Date();
  const budget = pathBudget(limits.maxSignatureChecks); // one for the whole message
  const layers: Layer[] = [];
  let content: Uint8Array = raw;
  let entity: MimeEntity = outer;
  let protectedHeader: Uint8Array | undefined;

  for (;;) {
    const contentType = parseContentType(getHeader(entity, "content-type")?.value);
    const kind = classifyEntity(entity, contentType);
    if (kind === "none") break;
    if (layers.length >= limits.maxLayers) {
      throw new CoreError("limit-exceeded", `more than ${limits.maxLayers} S/MIME layers`);
    }

    if (kind === "multipart-signed") {
      const split = splitSigned(entity);
      const der = detachedSignatureDer(split.signature.entity, limits.ber);
      const signed = signedPartBytes(split.signed.bytes);
      const result = await verifySignedData(der, {
        ...signatureChecks(options, at, expectedAddresses, limits, budget),
        content: signed,
      });
      const signedEntity = parseEntity(signed);
      layers.push(signedLayer("detached", result.signers, signedEntity));
      content = signed;
      entity = signedEntity;
      continue;
    }

    const der = decodeEntityBody(entity);
    const cms = sniffCms(der);
    checkSmimeType(contentType.params["smime-type"], cms.kind, cms.oid);
    if (cms.kind === "enveloped" || cms.kind === "authEnveloped") {
      const identities = options.identities ?? [];
      if (identities.length === 0) {
        throw new CoreError("not-a-recipient", "the message is encrypted and no private key was offered");
      }
      const result = await decryptEnvelope(der, identities, limits);
      layers.push(encryptedLayer(result.info));
      content = result.content;
      entity = parseEntity(content);
      // Only for an encryption no signature encloses (one outside was checked against the envelope).
      const unsignedSoFar = layers.every((l) => l.type === "encrypted");
      if (
        !protectedHeader &&
        unsignedSoFar &&
        entity.headers.some((f) => MESSAGE_FIELDS.has(f.name.toLowerCase()))
      ) {
        protectedHeader = entity.headerBytes;
        // A reader is shown this header's From, so signatures inside are checked against it.
        if (!options.from) expectedAddresses = senderAddresses(entity) ?? expectedAddresses;
      }
      continue;
    }
    if (cms.kind === "signed") {
      const shape = signedDataShape(der, limits.ber);
      if (shape.signerInfos === 0) break; // certs-only: a certificate bundle, not a signature
      if (!shape.encapsulated)
        throw new CoreError("malformed", "opaque signed-data without encapsulated content");
      const result = await verifySignedData(
        der,
        signatureChecks(options, at, expectedAddresses, limits, budget),
      );
      if (!result.content)
        throw new CoreError("malformed", "opaque signed-data without encapsulated content");
      const inner = parseEntity(result.content);
      layers.push(signedLayer("opaque", result.signers, inner));
      content = result.content;
      entity = inner;
      continue;
    }
    throw new CoreError(
      "unsupported-algorithm",
      `S/MIME content type ${cms.oid} (${cms.kind}) is not supported`,
    );
  }
  const checks = signatureChecks(options, at, expectedAddresses, limits, budget);
  layers.push(...(await signedParts(entity, [], checks, limits, { left: limits.maxLayers - layers.length })));
  return { layers, content, ...(protectedHeader ? { protectedHeader } : {}) };
}

/**
 * Signed parts (multipart/signed, opaque signed-data) inside an unsigned multipart (a list
 * manager wrapped the signed message and its footer in multipart/mixed): each is verified and
 * reported as a layer scoped to that part.
 * Only multiparts are walked: an attached message/rfc822 is someone else's message, and a
 * nested encrypted part stays an attachment (it is never decrypted into the view).
 */
async function signedParts(
  entity: MimeEntity,
  path: number[],
  checks: VerifyOptions,
  limits: SmimeLimits,
  room: { left: number },
): Promise<SignedLayer[]> {
  if (parseContentType(getHeader(entity, "content-type")?.value).type !== "multipart") return [];
  let parts: MimePart[];
  try {
    parts = [...splitMultipart(entity).parts];
  } catch (error) {
    if (isCoreError(error, "malformed")) return []; // an unreadable body is shown as it is
    throw error;
  }
  const found: SignedLayer[] = [];
  for (const [index, part] of parts.entries()) {
    const here = [...path, index + 1];
    const contentType = parseContentType(getHeader(part.entity, "content-type")?.value);
    const kind = classifyEntity(part.entity, contentType);
    if (kind === "none") {
      found.push(...(await signedParts(part.entity, here, checks, limits, room)));
      continue;
    }
    if (room.left <= 0) throw new CoreError("limit-exceeded", "too many signed parts in one message");
    room.left--;
    let layer: SignedLayer | undefined;
    try {
      layer = await verifyPart(part.entity, kind, contentType, checks, limits);
    } catch (error) {
      if (isCoreError(error, "malformed")) continue; // not a signature we can read: an attachment
      throw error;
    }
    if (layer) found.push({ ...layer, scope: "part", path: here.join(".") });
  }
  return found;
}

/** A nested multipart/signed or opaque signed-data part; anything encrypted is left alone. */
async function verifyPart(
  entity: MimeEntity,
  kind: "multipart-signed" | "pkcs7-mime",
  contentType: ReturnType<typeof parseContentType>,
  checks: VerifyOptions,
  limits: SmimeLimits,
): Promise<SignedLayer | undefined> {
  if (kind === "multipart-signed") {
    const split = splitSigned(entity);
    const der = detachedSignatureDer(split.signature.entity, limits.ber);
    const signed = signedPartBytes(split.signed.bytes);
    const result = await verifySignedData(der, { ...checks, content: signed });
    return signedLayer("detached", result.signers, parseEntity(signed));
  }
  const der = decodeEntityBody(entity);
  const cms = sniffCms(der);
  if (cms.kind !== "signed") return undefined;
  checkSmimeType(contentType.params["smime-type"], cms.kind, cms.oid);
  const shape = signedDataShape(der, limits.ber);
  if (shape.signerInfos === 0 || !shape.encapsulated) return undefined;
  const result = await verifySignedData(der, checks);
  return result.content ? signedLayer("opaque", result.signers, parseEntity(result.content)) : undefined;
}
