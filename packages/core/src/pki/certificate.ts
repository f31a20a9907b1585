import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { normaliseAddress } from "../address/index.js";
import { OID } from "../algorithms.js";
import {
  type BerContext,
  berContext,
  children,
  contentBytes,
  expectTag,
  rawBytes,
  readBitString,
  readOid,
  readRoot,
  readSmallInteger,
  readString,
  readTime,
  TAG,
  type Tlv,
} from "../asn1/ber-reader.js";
import { CoreError } from "../errors.js";
import { type DistinguishedName, formatName, nameAttribute, readName } from "./name.js";
import { derOrPem } from "./pem.js";

/** keyUsage bit numbers (RFC 5280 §4.2.1.3). */
export const KEY_USAGE = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;

export interface Extension {
  oid: string;
  critical: boolean;
  /** The extnValue OCTET STRING's content (the extension's own DER). */
  value: Uint8Array;
}

export type KeyAlgorithm =
  | "RSA"
  | "RSA-PSS"
  | "EC"
  | "Ed25519"
  | "Ed448"
  | "X25519"
  | "X448"
  | "DSA"
  | "unknown";

/** An X.509 certificate (RFC 5280 §4.1), parsed once, with the raw bytes kept for hashing and matching. */
export interface Certificate {
  der: Uint8Array;
  /** The exact tbsCertificate bytes the issuer signed. */
  tbs: Uint8Array;
  version: number;
  serial: bigint;
  /** The serial as lowercase hex of its INTEGER content octets (as `openssl x509 -serial` shows it, unpadded). */
  serialHex: string;
  issuerName: DistinguishedName;
  subjectName: DistinguishedName;
  issuer: string;
  subject: string;
  /** The subject's common name, if any. */
  commonName: string | undefined;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** The BIT STRING content of subjectPublicKey (RSA key / EC point), for SKI method 1. */
  publicKeyBits: Uint8Array;
  publicKey: KeyObject;
  keyAlgorithm: KeyAlgorithm;
  /** RSA modulus bits, or EC field size (256/384/521). */
  keySize: number;
  /** EC named curve OID, if EC. */
  curveOid: string | undefined;
  signatureAlgorithm: { oid: string; parameters: Uint8Array | undefined };
  /** Set when tbsCertificate.signature differs from signatureAlgorithm (RFC 5280 §4.1.1.2). */
  algorithmMismatch?: true;
  signatureValue: Uint8Array;
  extensions: Extension[];
  subjectKeyIdentifier: Uint8Array | undefined;
  authorityKeyIdentifier: Uint8Array | undefined;
  /** Bits set in keyUsage, or undefined when the extension is absent (= any usage). */
  keyUsage: ReadonlySet<number> | undefined;
  /** EKU purpose OIDs, or undefined when absent (= any purpose). */
  extKeyUsage: readonly string[] | undefined;
  basicConstraints: { ca: boolean; pathLength: number | undefined } | undefined;
  /** Email addresses: SAN rfc822Name, SAN SmtpUTF8Mailbox, then subject emailAddress; original case, deduplicated. */
  emails: string[];
  /** SHA-256 of the DER, lowercase hex. */
  sha256: string;
}

export interface ParseCertificateOptions {
  ctx?: BerContext;
}

export function parseCertificate(
  input: Uint8Array | string,
  options: ParseCertificateOptions = {},
): Certificate {
  const der = derOrPem(input, "CERTIFICATE");
  const ctx = options.ctx ?? berContext({ maxNodes: 100_000 });
  try {
    return parseDer(der, ctx);
  } catch (error) {
    if (error instanceof CoreError) throw error;
    throw new CoreError("malformed", `not a certificate: ${(error as Error).message}`, { cause: error });
  }
}

function parseDer(der: Uint8Array, ctx: BerContext): Certificate {
  const root = expectTag(readRoot(der, ctx), TAG.SEQUENCE, "Certificate");
  const [tbsTlv, sigAlgTlv, sigTlv] = children(der, root, ctx);
  if (!tbsTlv || !sigAlgTlv || !sigTlv)
    throw new CoreError("malformed", "Certificate needs tbsCertificate, signatureAlgorithm, signature");
  const tbsFields = children(der, expectTag(tbsTlv, TAG.SEQUENCE, "TBSCertificate"), ctx);
  let i = 0;
  let version = 1;
  if (tbsFields[0]?.tag === 0xa0) {
    const [v] = children(der, tbsFields[0], ctx);
    if (!v) throw new CoreError("malformed", "empty certificate version");
    version = readSmallInteger(der, v) + 1;
    i = 1;
  }
  const field = (what: string): Tlv => {
    const t = tbsFields[i++];
    if (!t) throw new CoreError("malformed", `certificate is missing ${what}`);
    return t;
  };
  const serialTlv = expectTag(field("serialNumber"), TAG.INTEGER, "serialNumber");
  const innerSigAlg = expectTag(field("signature"), TAG.SEQUENCE, "AlgorithmIdentifier");
  const issuerName = readName(der, field("issuer"), ctx);
  const validity = children(der, expectTag(field("validity"), TAG.SEQUENCE, "Validity"), ctx);
  const subjectName = readName(der, field("subject"), ctx);
  const spkiTlv = expectTag(field("subjectPublicKeyInfo"), TAG.SEQUENCE, "SubjectPublicKeyInfo");
  if (!validity[0] || !validity[1])
    throw new CoreError("malformed", "certificate validity needs notBefore and notAfter");

  const extensions: Extension[] = [];
  for (; i < tbsFields.length; i++) {
    const t = tbsFields[i] as Tlv;
    if (t.tag !== 0xa3) continue; // issuerUniqueID [1] / subjectUniqueID [2] are ignored
    const [list] = children(der, t, ctx);
    if (!list) continue;
    for (const ext of children(der, expectTag(list, TAG.SEQUENCE, "Extensions"), ctx)) {
      const parts = children(der, expectTag(ext, TAG.SEQUENCE, "Extension"), ctx);
      const oidTlv = parts[0];
      const valueTlv = parts[parts.length - 1];
      if (!oidTlv || !valueTlv || parts.length < 2)
        throw new CoreError("malformed", "bad certificate extension");
      const critical = parts.length === 3 && readCritical(der, parts[1] as Tlv);
      extensions.push({
        oid: readOid(der, oidTlv),
        critical,
        value: contentBytes(der, expectTag(valueTlv, TAG.OCTET_STRING, "extnValue")),
      });
    }
  }

  const spki = der.subarray(spkiTlv.start, spkiTlv.end);
  const [spkiAlg, spkiBits] = children(der, spkiTlv, ctx);
  if (!spkiAlg || !spkiBits) throw new CoreError("malformed", "bad SubjectPublicKeyInfo");
  const [algOid, algParams] = children(der, spkiAlg, ctx);
  const keyOid = readOid(der, algOid as Tlv);
  const curveOid = algParams?.tag === TAG.OID ? readOid(der, algParams) : undefined;
  let publicKey: KeyObject;
  try {
    // RSA keys load ~30x faster from the PKCS#1 RSAPublicKey inside the BIT STRING than from
    // the SPKI wrapper (OpenSSL 3 decoder lookup); verify-heavy paths parse many certificates.
    publicKey =
      keyOid === OID.rsaEncryption
        ? createPublicKey({
            key: Buffer.from(readBitString(der, spkiBits).bytes),
            format: "der",
            type: "pkcs1",
          })
        : createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (error) {
    throw new CoreError(
      "unsupported-algorithm",
      `certificate public key (${keyOid}) cannot be loaded: ${(error as Error).message}`,
    );
  }
  const details = publicKey.asymmetricKeyDetails ?? {};
  const keyAlgorithm = keyAlgorithmOf(publicKey.asymmetricKeyType);
  const keySize = details.modulusLength ?? curveBits(details.namedCurve) ?? 0;
  checkRsaKeyCost(details);

  const sigAlgParts = children(der, expectTag(sigAlgTlv, TAG.SEQUENCE, "AlgorithmIdentifier"), ctx);
  const sigParams = sigAlgParts[1];
  const serialContent = contentBytes(der, serialTlv);
  const serial = (() => {
    let v = 0n;
    for (const b of serialContent) v = (v << 8n) | BigInt(b);
    return (serialContent[0] ?? 0) & 0x80 ? v - (1n << BigInt(serialContent.length * 8)) : v;
  })();

  const ext = (oid: string) => extensions.find((e) => e.oid === oid);
  const cert: Certificate = {
    der,
    tbs: der.subarray(tbsTlv.start, tbsTlv.end),
    version,
    serial,
    serialHex: Buffer.from(serialContent)
      .toString("hex")
      .replace(/^00(?=[89a-f])/, ""),
    issuerName,
    subjectName,
    issuer: formatName(issuerName),
    subject: formatName(subjectName),
    commonName: nameAttribute(subjectName, OID.commonName),
    notBefore: readTime(der, validity[0]),
    notAfter: readTime(der, validity[1]),
    spki,
    publicKeyBits: readBitString(der, spkiBits).bytes,
    publicKey,
    keyAlgorithm,
    keySize,
    curveOid,
    signatureAlgorithm: {
      oid: readOid(der, sigAlgParts[0] as Tlv),
      parameters: sigParams ? der.subarray(sigParams.start, sigParams.end) : undefined,
    },
    ...(sameBytes(rawBytes(der, innerSigAlg), rawBytes(der, sigAlgTlv))
      ? {}
      : { algorithmMismatch: true as const }),
    signatureValue: readBitString(der, sigTlv).bytes,
    extensions,
    subjectKeyIdentifier: undefined,
    authorityKeyIdentifier: undefined,
    keyUsage: undefined,
    extKeyUsage: undefined,
    basicConstraints: undefined,
    emails: [],
    sha256: createHash("sha256").update(der).digest("hex"),
  };
  const ski = ext(OID.subjectKeyIdentifier);
  if (ski) {
    const t = readRoot(ski.value, ctx);
    cert.subjectKeyIdentifier = contentBytes(
      ski.value,
      expectTag(t, TAG.OCTET_STRING, "SubjectKeyIdentifier"),
    );
  }
  const aki = ext(OID.authorityKeyIdentifier);
  if (aki) {
    const keyId = children(aki.value, readRoot(aki.value, ctx), ctx).find((c) => c.tag === 0x80);
    cert.authorityKeyIdentifier = keyId ? contentBytes(aki.value, keyId) : undefined;
  }
  const ku = ext(OID.keyUsage);
  if (ku) {
    const { bytes } = readBitString(ku.value, readRoot(ku.value, ctx));
    const bits = new Set<number>();
    bytes.forEach((byte, index) => {
      for (let b = 0; b < 8; b++) if (byte & (0x80 >> b)) bits.add(index * 8 + b);
    });
    cert.keyUsage = bits;
  }
  const eku = ext(OID.extKeyUsage);
  if (eku)
    cert.extKeyUsage = children(eku.value, readRoot(eku.value, ctx), ctx).map((t) => readOid(eku.value, t));
  const bc = ext(OID.basicConstraints);
  if (bc) {
    const parts = children(bc.value, readRoot(bc.value, ctx), ctx);
    const ca = parts[0]?.tag === TAG.BOOLEAN && contentBytes(bc.value, parts[0])[0] !== 0;
    const lenTlv = parts.find((p) => p.tag === TAG.INTEGER);
    cert.basicConstraints = { ca, pathLength: lenTlv ? readSmallInteger(bc.value, lenTlv) : undefined };
  }
  cert.emails = collectEmails(cert, ext(OID.subjectAltName), ctx);
  return cert;
}

function collectEmails(cert: Certificate, san: Extension | undefined, ctx: BerContext): string[] {
  const found: string[] = [];
  if (san) {
    for (const gn of children(san.value, readRoot(san.value, ctx), ctx)) {
      if (gn.tag === 0x81) found.push(Buffer.from(contentBytes(san.value, gn)).toString("latin1"));
      if (gn.tag === 0xa0) {
        // otherName { type-id, [0] EXPLICIT value }: SmtpUTF8Mailbox (RFC 9598) is a UTF8String
        const [typeId, wrapped] = children(san.value, gn, ctx);
        if (typeId && wrapped && readOid(san.value, typeId) === OID.smtpUtf8Mailbox) {
          const [value] = children(san.value, wrapped, ctx);
          if (value) found.push(readString(san.value, value));
        }
      }
    }
  }
  for (const a of cert.subjectName.attributes) if (a.oid === OID.emailAddress) found.push(a.value);
  const seen = new Set<string>();
  return found.filter((e) => {
    const k = normaliseAddress(e);
    if (seen.has(k) || e.length === 0) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The Extension `critical` BOOLEAN (RFC 5280 §4.1): DER writes TRUE as 0xFF, but BER (X.690
 * §8.2.2) makes any non-zero octet TRUE — reading 0x01 as false would let an unknown critical
 * extension pass as non-critical.
 */
export function readCritical(buf: Uint8Array, tlv: Tlv): boolean {
  const bytes = contentBytes(buf, expectTag(tlv, TAG.BOOLEAN, "critical"));
  if (bytes.length !== 1) throw new CoreError("malformed", "critical flag is not a one-octet BOOLEAN");
  return bytes[0] !== 0;
}

/**
 * RSA keys whose every use is slow are refused: a modulus over 16384 bits, or a public exponent
 * over 2^32 + 1 (a thousands-of-bits exponent made one verification take ~9 ms). No CA issues
 * such keys (CA/B Forum: e ≤ 2^256 - 1, in practice 65537).
 */
export const MAX_RSA_MODULUS_BITS = 16384;
export const MAX_RSA_PUBLIC_EXPONENT = 2n ** 32n + 1n;

function checkRsaKeyCost(details: { modulusLength?: number; publicExponent?: bigint }): void {
  if (details.modulusLength !== undefined && details.modulusLength > MAX_RSA_MODULUS_BITS)
    throw new CoreError(
      "unsupported-algorithm",
      `RSA key of ${details.modulusLength} bits is over the ${MAX_RSA_MODULUS_BITS}-bit limit`,
    );
  if (details.publicExponent !== undefined && details.publicExponent > MAX_RSA_PUBLIC_EXPONENT)
    throw new CoreError(
      "unsupported-algorithm",
      `RSA public exponent of ${details.publicExponent.toString(2).length} bits is over the limit of 2^32 + 1`,
    );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function keyAlgorithmOf(type: string | undefined): KeyAlgorithm {
  switch (type) {
    case "rsa":
      return "RSA";
    case "rsa-pss":
      return "RSA-PSS";
    case "ec":
      return "EC";
    case "ed25519":
      return "Ed25519";
    case "ed448":
      return "Ed448";
    case "x25519":
      return "X25519";
    case "x448":
      return "X448";
    case "dsa":
      return "DSA";
    default:
      return "unknown";
  }
}

function curveBits(curve: string | undefined): number | undefined {
  if (!curve) return undefined;
  if (/256/.test(curve)) return 256;
  if (/384/.test(curve)) return 384;
  if (/521/.test(curve)) return 521;
  return undefined;
}

/** SKI (RFC 5280 §4.2.1.2 method 1 when the extension is absent): what CMS subjectKeyIdentifier rids refer to. */
export function keyIdentifier(cert: Certificate): Uint8Array {
  return cert.subjectKeyIdentifier ?? createHash("sha1").update(cert.publicKeyBits).digest();
}

export function hasKeyUsage(cert: Certificate, ...bits: number[]): boolean {
  return cert.keyUsage === undefined || bits.some((b) => cert.keyUsage?.has(b));
}

/** RFC 8550 §4.4.4: EKU absent, emailProtection, or anyExtendedKeyUsage. */
export function allowsEmailProtection(cert: Certificate): boolean {
  return (
    cert.extKeyUsage === undefined ||
    cert.extKeyUsage.includes(OID.emailProtection) ||
    cert.extKeyUsage.includes(OID.anyExtendedKeyUsage)
  );
}

/** Same key, by SubjectPublicKeyInfo DER (pairing keys and certificates, matching renewed certificates). */
export function sameSpki(a: KeyObject, b: KeyObject): boolean {
  const publicOf = (k: KeyObject) => (k.type === "private" ? createPublicKey(k) : k);
  const da = publicOf(a).export({ type: "spki", format: "der" });
  const db = publicOf(b).export({ type: "spki", format: "der" });
  return Buffer.compare(da, db) === 0;
}

export function isSelfIssued(cert: Certificate): boolean {
  return Buffer.compare(Buffer.from(cert.issuerName.der), Buffer.from(cert.subjectName.der)) === 0;
}

export { readString };
