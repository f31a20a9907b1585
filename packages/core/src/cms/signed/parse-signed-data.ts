import { OID } from "../../algorithms.js";
import {
  type BerContext,
  children,
  contentBytes,
  expectTag,
  iterateChildren,
  readOid,
  readRoot,
  readSmallInteger,
  TAG,
  type Tlv,
} from "../../asn1/ber-reader.js";
import { CoreError } from "../../errors.js";
import { type DistinguishedName, readName } from "../../pki/name.js";

export type SignerId =
  | { kind: "issuerAndSerialNumber"; issuer: DistinguishedName; serial: bigint }
  | { kind: "subjectKeyIdentifier"; keyId: Uint8Array };

/** One SignerInfo (RFC 5652 §5.3) as offsets and values; nothing re-encoded. */
export interface RawSignerInfo {
  version: number;
  sid: SignerId;
  digestAlgorithm: Tlv;
  /** The received `[0] IMPLICIT SET OF Attribute` element, if present. */
  signedAttrs: Tlv | undefined;
  signatureAlgorithm: Tlv;
  signature: Uint8Array;
}

export interface RawSignedData {
  /** eContentType, dotted. */
  contentType: string;
  /** The eContent OCTET STRING (primitive or constructed), absent for detached signatures. */
  eContent: Tlv | undefined;
  /** Whole-element bytes of each Certificate choice (tag 0x30) of `certificates`. */
  certificates: Uint8Array[];
  /** Whole-element bytes of each CertificateList choice of `crls`. */
  crls: Uint8Array[];
  /** Each SignerInfo, or the reason it could not be read (reported as that signer's bad-signature). */
  signerInfos: (RawSignerInfo | { malformed: string })[];
}

/**
 * Reads a DER/BER ContentInfo holding SignedData (RFC 5652 §3, §5.1). Accepts indefinite
 * lengths, constructed eContent, absent/unordered certificates and any version number.
 */
export function parseSignedData(
  der: Uint8Array,
  ctx: BerContext,
  maxSigners: number,
  maxCertificates: number,
): RawSignedData {
  const root = readRoot(der, ctx);
  if (root.tag !== TAG.SEQUENCE)
    throw new CoreError("malformed", "not a CMS ContentInfo (expected a SEQUENCE)");
  const [typeTlv, wrapped] = children(der, root, ctx);
  if (typeTlv?.tag !== TAG.OID)
    throw new CoreError("malformed", "not a CMS ContentInfo (no contentType OID)");
  const type = readOid(der, typeTlv);
  if (type !== OID.signedData) throw new CoreError("malformed", `CMS content is ${type}, not SignedData`);
  if (wrapped?.tag !== 0xa0) throw new CoreError("malformed", "SignedData ContentInfo without [0] content");
  const [sd] = children(der, wrapped, ctx);
  if (sd?.tag !== TAG.SEQUENCE) throw new CoreError("malformed", "SignedData is not a SEQUENCE");
  const fields = children(der, sd, ctx);
  const [versionTlv, digestAlgs, encap] = fields;
  if (!versionTlv || !digestAlgs || !encap) throw new CoreError("malformed", "SignedData is missing fields");
  readSmallInteger(der, versionTlv);
  expectTag(digestAlgs, TAG.SET, "digestAlgorithms");
  const [eTypeTlv, eWrapped] = children(der, expectTag(encap, TAG.SEQUENCE, "EncapsulatedContentInfo"), ctx);
  if (!eTypeTlv) throw new CoreError("malformed", "EncapsulatedContentInfo without eContentType");
  const contentType = readOid(der, eTypeTlv);
  let eContent: Tlv | undefined;
  if (eWrapped) {
    expectTag(eWrapped, 0xa0, "eContent [0]");
    const [octets] = children(der, eWrapped, ctx);
    if (octets?.tagClass !== 0 || octets.tagNumber !== 4)
      throw new CoreError("malformed", "eContent is not an OCTET STRING");
    eContent = octets;
  }

  let i = 3;
  const certificates: Uint8Array[] = [];
  const crls: Uint8Array[] = [];
  if (fields[i]?.tag === 0xa0) {
    for (const c of iterateChildren(der, fields[i] as Tlv, ctx)) {
      if (c.tag !== TAG.SEQUENCE) continue; // attribute or other certificate formats: not ours
      if (certificates.length >= maxCertificates)
        throw new CoreError("limit-exceeded", `more than ${maxCertificates} certificates in SignedData`);
      certificates.push(der.subarray(c.start, c.end));
    }
    i++;
  }
  if (fields[i]?.tag === 0xa1) {
    for (const c of iterateChildren(der, fields[i] as Tlv, ctx))
      if (c.tag === TAG.SEQUENCE) crls.push(der.subarray(c.start, c.end));
    i++;
  }
  const infos = fields[i];
  if (infos?.tag !== TAG.SET || i !== fields.length - 1)
    throw new CoreError("malformed", "SignedData signerInfos missing or followed by extra fields");
  const signerInfos: RawSignedData["signerInfos"] = [];
  for (const si of iterateChildren(der, infos, ctx)) {
    if (signerInfos.length >= maxSigners)
      throw new CoreError("limit-exceeded", `more than ${maxSigners} signers in SignedData`);
    try {
      signerInfos.push(parseSignerInfo(der, si, ctx));
    } catch (error) {
      if (!(error instanceof CoreError) || error.code !== "malformed") throw error;
      signerInfos.push({ malformed: error.message });
    }
  }
  return { contentType, eContent, certificates, crls, signerInfos };
}

function parseSignerInfo(der: Uint8Array, si: Tlv, ctx: BerContext): RawSignerInfo {
  const parts = children(der, expectTag(si, TAG.SEQUENCE, "SignerInfo"), ctx);
  const [versionTlv, sidTlv, digestAlgorithm] = parts;
  if (!versionTlv || !sidTlv || !digestAlgorithm)
    throw new CoreError("malformed", "SignerInfo is missing fields");
  const version = readSmallInteger(der, versionTlv);
  let sid: SignerId;
  if (sidTlv.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(der, sidTlv, ctx);
    if (!issuer || serial?.tag !== TAG.INTEGER) throw new CoreError("malformed", "bad IssuerAndSerialNumber");
    sid = {
      kind: "issuerAndSerialNumber",
      issuer: readName(der, issuer, ctx),
      serial: integerValue(contentBytes(der, serial)),
    };
  } else if (sidTlv.tag === 0x80) {
    sid = { kind: "subjectKeyIdentifier", keyId: contentBytes(der, sidTlv) };
  } else if (sidTlv.tag === 0xa0) {
    // BER allows the constructed form of the [0] OCTET STRING.
    const [inner] = children(der, sidTlv, ctx);
    if (!inner) throw new CoreError("malformed", "empty subjectKeyIdentifier");
    sid = { kind: "subjectKeyIdentifier", keyId: contentBytes(der, inner) };
  } else {
    throw new CoreError("malformed", "unknown SignerIdentifier choice");
  }
  expectTag(digestAlgorithm, TAG.SEQUENCE, "digestAlgorithm");
  let i = 3;
  let signedAttrs: Tlv | undefined;
  if (parts[i]?.tag === 0xa0) signedAttrs = parts[i++];
  const signatureAlgorithm = parts[i++];
  const signature = parts[i++];
  if (signatureAlgorithm?.tag !== TAG.SEQUENCE || !signature || signature.tagNumber !== 4)
    throw new CoreError("malformed", "SignerInfo without signatureAlgorithm and signature");
  const unsigned = parts[i];
  if (unsigned && (unsigned.tag !== 0xa1 || i !== parts.length - 1))
    throw new CoreError("malformed", "unexpected fields after the SignerInfo signature");
  const sigBytes = signature.constructed
    ? Buffer.concat(children(der, signature, ctx).map((p) => contentBytes(der, p)))
    : contentBytes(der, signature);
  return { version, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature: sigBytes };
}

function integerValue(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new CoreError("malformed", "empty INTEGER");
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return (bytes[0] as number) & 0x80 ? v - (1n << BigInt(bytes.length * 8)) : v;
}
