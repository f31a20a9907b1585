/**
 * How open reports a layer and whose address signers must match — shared by openMessage,
 * openMessageStream and decryptOuterLayer so all give the same report.
 */
import { splitAddress } from "../address/index.js";
import type { EnvelopeInfo } from "../cms/enveloped/index.js";
import type { SignerVerdict, VerifyOptions } from "../cms/signed/index.js";
import { parseContentType } from "../mime/content-type.js";
import { parseAddressList } from "../mime/headers.js";
import { getHeader, type MimeEntity } from "../mime/parse-entity.js";
import type { PathBudget } from "../pki/path-budget.js";
import { capitalisedMediaType } from "./classify.js";
import type { SmimeLimits } from "./limits.js";
import type { OpenOptions } from "./open.js";
import type { EncryptedLayer, SignedLayer, SignerReport } from "./types.js";

/**
 * The outermost From mailboxes: what a signer's certificate must name (RFC 8550 §3). Sender is
 * not among them: the reader is shown From, so a certificate naming only the Sender would vouch
 * for an author it does not name. A From that holds no mailbox (`From: "ceo@corp.example"`, a
 * display name only) gives an empty list, which nothing matches; undefined only when the
 * entity has no From field at all (a bare signed part), where there is nothing to bind to.
 */
export function senderAddresses(message: MimeEntity): string[] | undefined {
  const from = getHeader(message, "from")?.value;
  if (from === undefined) return undefined;
  return parseAddressList(from)
    .map((a) => a.address)
    .filter((a) => splitAddress(a) !== undefined);
}

/** A signed layer's report; `inner` is the signed entity (its media type names the content). */
export function signedLayer(
  form: SignedLayer["form"],
  verdicts: SignerVerdict[],
  inner: MimeEntity,
): SignedLayer {
  const signers: SignerReport[] = verdicts.map((v) => ({
    name: v.name ?? null,
    email: v.email ?? null,
    emails: v.emails,
    status: v.status,
    reason: v.reason,
    digest: v.digest,
    ...(v.weakDigest ? { weakDigest: true as const } : {}),
    signingTime: v.signingTime ? v.signingTime.toISOString() : null,
    ...(v.certificate ? { certificate: v.certificate } : {}),
  }));
  const digests = [...new Set(signers.map((s) => s.digest))];
  const contentType = parseContentType(getHeader(inner, "content-type")?.value);
  return {
    type: "signed",
    form,
    digest: digests[0] ?? "unknown",
    digests,
    content: capitalisedMediaType(contentType),
    mediaType: `${contentType.type || "text"}/${contentType.subtype || "plain"}`.toLowerCase(),
    signers,
  };
}

/** An encrypted layer's report (key management deduplicated for display). */
export function encryptedLayer(info: EnvelopeInfo): EncryptedLayer {
  return {
    type: "encrypted",
    kind: info.kind,
    cipher: info.cipher,
    keyManagement: [...new Set(info.keyManagement)],
    recipients: info.recipients,
    decrypted: true,
  };
}

/** verifySignedData's options for a signature met while opening a message (content aside). */
export function signatureChecks(
  options: OpenOptions,
  at: Date,
  expectedAddresses: string[] | undefined,
  limits: SmimeLimits,
  budget: PathBudget,
): VerifyOptions {
  return {
    trust: options.trust ?? [],
    known: options.known ?? [],
    crls: options.crls ?? [],
    at,
    expectedAddresses,
    limits: { ber: limits.ber },
    pathBudget: budget,
    ...(options.certificateCache ? { certificateCache: options.certificateCache } : {}),
  };
}
