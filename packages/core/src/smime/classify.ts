import { OID } from "../algorithms.js";
import {
  type BerLimits,
  berContext,
  children,
  iterateChildren,
  readOid,
  readRoot,
  TAG,
} from "../asn1/ber-reader.js";
import { CoreError } from "../errors.js";
import type { ContentType } from "../mime/content-type.js";
import type { MimeEntity } from "../mime/parse-entity.js";
import { getHeader } from "../mime/parse-entity.js";

export type SmimeKind = "multipart-signed" | "pkcs7-mime" | "none";

const SIGNATURE_TYPES = new Set(["application/pkcs7-signature", "application/x-pkcs7-signature"]);
const PKCS7_MIME_TYPES = new Set(["application/pkcs7-mime", "application/x-pkcs7-mime"]);

/**
 * RFC 8551 §3.10: what identifies an S/MIME entity. `application/octet-stream` named
 * *.p7m is S/MIME too (gateways relabel parts); its CMS type is then sniffed.
 */
export function classifyEntity(entity: MimeEntity, contentType: ContentType): SmimeKind {
  if (contentType.mediaType === "multipart/signed") {
    const protocol = (contentType.params.protocol ?? "").toLowerCase();
    return SIGNATURE_TYPES.has(protocol) ? "multipart-signed" : "none";
  }
  if (PKCS7_MIME_TYPES.has(contentType.mediaType)) return "pkcs7-mime";
  if (contentType.mediaType === "application/octet-stream") {
    const disposition = getHeader(entity, "content-disposition")?.value ?? "";
    const name = `${contentType.params.name ?? ""} ${disposition}`.toLowerCase();
    if (/\.p7m\b/.test(name)) return "pkcs7-mime";
  }
  return "none";
}

export function isSignatureType(mediaType: string): boolean {
  return SIGNATURE_TYPES.has(mediaType);
}

export type CmsKind = "enveloped" | "authEnveloped" | "signed" | "compressed" | "other";

/** The ContentInfo contentType OID decides, not the smime-type label (RFC 8551 §3.2.2). */
export function sniffCms(der: Uint8Array): { kind: CmsKind; oid: string } {
  let oid: string;
  try {
    const root = readRoot(der);
    if (root.tag !== TAG.SEQUENCE) throw new Error("not a SEQUENCE");
    const [typeTlv] = children(der, root);
    if (!typeTlv || typeTlv.tag !== TAG.OID) throw new Error("no contentType");
    oid = readOid(der, typeTlv);
  } catch (error) {
    if (error instanceof CoreError && error.code === "limit-exceeded") throw error;
    throw new CoreError(
      "malformed",
      `the S/MIME part is not a CMS ContentInfo (${(error as Error).message})`,
    );
  }
  switch (oid) {
    case OID.envelopedData:
      return { kind: "enveloped", oid };
    case OID.authEnvelopedData:
      return { kind: "authEnveloped", oid };
    case OID.signedData:
      return { kind: "signed", oid };
    case OID.compressedData:
      return { kind: "compressed", oid };
    default:
      return { kind: "other", oid };
  }
}

/**
 * Whether a SignedData carries eContent and how many SignerInfos it has (RFC 5652 §5.1), read
 * before verifying: a certs-only bundle (no signers, §5.2 degenerate case), an opaque
 * signed-data without content and a multipart/signed whose signature part encapsulates its
 * content are message-level facts, not a caller's misuse of verifySignedData.
 */
export function signedDataShape(
  der: Uint8Array,
  limits: BerLimits,
): { encapsulated: boolean; signerInfos: number } {
  const ctx = berContext(limits);
  try {
    const [, wrapped] = children(der, readRoot(der, ctx), ctx);
    if (wrapped?.tag !== 0xa0) throw new Error("no [0] content");
    const [sd] = children(der, wrapped, ctx);
    if (sd?.tag !== TAG.SEQUENCE) throw new Error("SignedData is not a SEQUENCE");
    const fields = children(der, sd, ctx);
    const encap = fields[2];
    const last = fields[fields.length - 1];
    if (fields.length < 4 || encap?.tag !== TAG.SEQUENCE || last?.tag !== TAG.SET)
      throw new Error("SignedData is missing fields");
    const [, eContent] = children(der, encap, ctx);
    let signerInfos = 0;
    for (const _ of iterateChildren(der, last, ctx)) signerInfos++;
    return { encapsulated: eContent !== undefined, signerInfos };
  } catch (error) {
    if (error instanceof CoreError) throw error;
    throw new CoreError("malformed", `SignedData: ${(error as Error).message}`);
  }
}

/** smime-type values that agree with each CMS content type (compared case-insensitively). */
const AGREES: Record<CmsKind, string[]> = {
  enveloped: ["enveloped-data"],
  authEnveloped: ["authenveloped-data"],
  signed: ["signed-data", "certs-only"],
  compressed: ["compressed-data"],
  other: [],
};

/** An smime-type label that contradicts the content is refused: a lying label is an attack or a broken gateway. */
export function checkSmimeType(smimeType: string | undefined, kind: CmsKind, oid: string): void {
  if (smimeType === undefined || smimeType === "") return;
  const label = smimeType.toLowerCase();
  if (!AGREES[kind].includes(label)) {
    throw new CoreError(
      "malformed",
      `smime-type says "${smimeType}" but the CMS content is ${kind === "other" ? oid : `${kind}Data`}`,
    );
  }
}

export function capitalisedMediaType(contentType: ContentType): string {
  const t = contentType.type || "text";
  return t.charAt(0).toUpperCase() + t.slice(1);
}
