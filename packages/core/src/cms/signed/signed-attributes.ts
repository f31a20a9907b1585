import { createHash } from "node:crypto";
import {
  CIPHERS,
  type CipherName,
  cipherByName,
  type DigestInfo,
  digestByName,
  digestByOid,
  OID,
} from "../../algorithms.js";
import {
  type BerContext,
  children,
  contentBytes,
  readOid,
  readTime,
  TAG,
  type Tlv,
} from "../../asn1/ber-reader.js";
import {
  algorithmIdentifier,
  explicit,
  integer,
  octetString,
  oid,
  sequence,
  setOf,
  time,
} from "../../asn1/der-writer.js";
import { CoreError } from "../../errors.js";
import type { Certificate } from "../../pki/certificate.js";

/** RFC 8551 §2.7: what we can decrypt, most preferred first. CBC first: Outlook cannot read GCM. */
export const DEFAULT_CAPABILITIES: readonly CipherName[] = [
  "AES-256-CBC",
  "AES-128-CBC",
  "AES-256-GCM",
  "AES-128-GCM",
  "3DES-CBC",
];

// Encoded once at load: OID encoding is BigInt work, and these never change (10 KB signs are hot).
const TYPE = {
  contentType: oid(OID.contentType),
  messageDigest: oid(OID.messageDigest),
  signingTime: oid(OID.signingTime),
  smimeCapabilities: oid(OID.smimeCapabilities),
  signingCertificateV2: oid(OID.signingCertificateV2),
  data: oid(OID.data),
};
const CAPABILITY: ReadonlyMap<string, Uint8Array> = new Map(
  CIPHERS.map((c) => [
    c.name,
    c.effectiveBits === null
      ? algorithmIdentifier(c.oid)
      : algorithmIdentifier(c.oid, integer(c.effectiveBits)),
  ]),
);

const attribute = (type: Uint8Array, value: Uint8Array): Uint8Array => sequence(type, setOf([value]));

/**
 * The DER `SET OF Attribute` (tag 0x31) a signer signs (RFC 5652 §5.4): contentType,
 * messageDigest, signingTime, SMIMECapabilities (RFC 8551 §2.5.2) and ESS
 * signingCertificateV2 (RFC 5035 §3, written as OpenSSL does: SHA-256 hash by default, with
 * IssuerSerial). Encoded once and DER-sorted; the caller writes the same bytes with tag 0xA0.
 */
export function encodeSignedAttributes(input: {
  contentType: string;
  messageDigest: Uint8Array;
  signingTime: Date;
  capabilities: readonly CipherName[];
  certificate: Certificate;
}): Uint8Array {
  const caps = input.capabilities.map((name) => {
    const cap = CAPABILITY.get(cipherByName(name)?.name ?? "");
    if (!cap) throw new CoreError("invalid-argument", `unknown capability ${name}`);
    return cap;
  });
  const cert = input.certificate;
  const issuerSerial = sequence(sequence(explicit(4, cert.issuerName.der)), integer(cert.serial));
  const essCertIdV2 = sequence(octetString(createHash("sha256").update(cert.der).digest()), issuerSerial);
  return setOf([
    attribute(TYPE.contentType, input.contentType === OID.data ? TYPE.data : oid(input.contentType)),
    attribute(TYPE.messageDigest, octetString(input.messageDigest)),
    attribute(TYPE.signingTime, time(input.signingTime)),
    attribute(TYPE.smimeCapabilities, sequence(...caps)),
    attribute(TYPE.signingCertificateV2, sequence(sequence(essCertIdV2))),
  ]);
}

export interface ReadAttributes {
  /** Set when the attributes break an RFC 5652 §5.3 / §11 rule; the signer is then bad-signature. */
  problem: string | undefined;
  contentType: string | undefined;
  messageDigest: Uint8Array | undefined;
  signingTime: Date | undefined;
  /** The ESS certificate hash the signer committed to (RFC 5035 §3 / RFC 2634 §5.4), if any. */
  signingCertificate: { digest: DigestInfo; hash: Uint8Array } | undefined;
}

/**
 * Reads the signed attributes of a SignerInfo from the received `[0]` element. Only values are
 * read; the bytes that are hashed stay the received ones (SMIME-NOTES §2.2).
 */
export function readSignedAttributes(buf: Uint8Array, attrs: Tlv, ctx: BerContext): ReadAttributes {
  const out: ReadAttributes = {
    problem: undefined,
    contentType: undefined,
    messageDigest: undefined,
    signingTime: undefined,
    signingCertificate: undefined,
  };
  const seen = new Map<string, Tlv[]>();
  for (const attr of children(buf, attrs, ctx)) {
    const [typeTlv, valuesTlv] = children(buf, attr, ctx);
    if (attr.tag !== TAG.SEQUENCE || !typeTlv || valuesTlv?.tag !== TAG.SET)
      return { ...out, problem: "malformed signed attribute" };
    const type = readOid(buf, typeTlv);
    if (seen.has(type)) return { ...out, problem: `duplicate ${describe(type)} attribute` };
    seen.set(type, children(buf, valuesTlv, ctx));
  }
  const single = (type: string): Tlv | string => {
    const values = seen.get(type);
    if (!values) return `missing ${describe(type)} attribute`;
    if (values.length !== 1 || !values[0]) return `${describe(type)} attribute must have exactly one value`;
    return values[0];
  };
  const ct = single(OID.contentType);
  if (typeof ct === "string") return { ...out, problem: ct };
  out.contentType = readOid(buf, ct);
  const md = single(OID.messageDigest);
  if (typeof md === "string") return { ...out, problem: md };
  if (md.tag !== TAG.OCTET_STRING) return { ...out, problem: "messageDigest is not an OCTET STRING" };
  out.messageDigest = contentBytes(buf, md);
  if (seen.has(OID.signingTime)) {
    const st = single(OID.signingTime);
    if (typeof st === "string") return { ...out, problem: st };
    try {
      out.signingTime = readTime(buf, st);
    } catch {
      return { ...out, problem: "malformed signingTime attribute" };
    }
  }
  for (const [type, version] of [
    [OID.signingCertificateV2, 2],
    [OID.signingCertificate, 1],
  ] as const) {
    const values = seen.get(type);
    if (!values) continue;
    try {
      out.signingCertificate = readEssCertId(buf, values[0], version, ctx);
    } catch {
      return { ...out, problem: `malformed ${describe(type)} attribute` };
    }
    break;
  }
  return out;
}

/** The first ESSCertID(v2) of SigningCertificate(V2): it names the signer's certificate. */
function readEssCertId(
  buf: Uint8Array,
  value: Tlv | undefined,
  version: 1 | 2,
  ctx: BerContext,
): { digest: DigestInfo; hash: Uint8Array } {
  if (!value) throw new CoreError("malformed", "empty SigningCertificate");
  const [certs] = children(buf, value, ctx);
  const [first] = certs ? children(buf, certs, ctx) : [];
  const fields = first ? children(buf, first, ctx) : [];
  let digest = digestByName(version === 2 ? "SHA-256" : "SHA-1") as DigestInfo;
  let i = 0;
  if (version === 2 && fields[0]?.tag === TAG.SEQUENCE) {
    const [algTlv] = children(buf, fields[0], ctx);
    const found = algTlv ? digestByOid(readOid(buf, algTlv)) : undefined;
    if (!found) throw new CoreError("malformed", "unknown ESSCertIDv2 hash");
    digest = found;
    i = 1;
  }
  const hash = fields[i];
  if (hash?.tag !== TAG.OCTET_STRING) throw new CoreError("malformed", "ESSCertID without certHash");
  return { digest, hash: contentBytes(buf, hash) };
}

function describe(type: string): string {
  switch (type) {
    case OID.contentType:
      return "contentType";
    case OID.messageDigest:
      return "messageDigest";
    case OID.signingTime:
      return "signingTime";
    case OID.signingCertificate:
      return "signingCertificate";
    case OID.signingCertificateV2:
      return "signingCertificateV2";
    default:
      return type;
  }
}
