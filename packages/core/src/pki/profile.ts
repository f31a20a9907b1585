import { OID } from "../algorithms.js";
import { berContext, children, contentBytes, readRoot } from "../asn1/ber-reader.js";
import { type Certificate, isSelfIssued, KEY_USAGE } from "./certificate.js";
import { readName, sameName } from "./name.js";

const AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1";
const POLICY_CONSTRAINTS = "2.5.29.36";
/** Extensions RFC 5280 says MUST be non-critical. */
const MUST_BE_NON_CRITICAL: ReadonlyArray<[string, string]> = [
  [OID.authorityKeyIdentifier, "authorityKeyIdentifier (§4.2.1.1)"],
  [OID.subjectKeyIdentifier, "subjectKeyIdentifier (§4.2.1.2)"],
  [AUTHORITY_INFO_ACCESS, "authorityInfoAccess (§4.2.2.1)"],
];

/**
 * RFC 5280 certificate profile rules a path validator can check on each certificate of a found
 * path (most of what `openssl verify -x509_strict` enforces). A certificate that breaks them was
 * not made by a conforming CA, so trusting it would rest on software guessing what its issuer
 * meant. `role` is the certificate's place in the path; `isAnchor` marks the trust anchor.
 * Returns the reason the certificate is refused, or undefined.
 */
export function profileViolation(
  cert: Certificate,
  role: "leaf" | "ca",
  isAnchor: boolean,
): string | undefined {
  const problem = check(cert, role, isAnchor);
  return problem ? `${cert.subject || "(empty subject)"}: ${problem}` : undefined;
}

function check(cert: Certificate, role: "leaf" | "ca", isAnchor: boolean): string | undefined {
  const seen = new Set<string>();
  for (const e of cert.extensions) {
    if (seen.has(e.oid)) return `extension ${e.oid} appears twice (§4.2)`;
    seen.add(e.oid);
  }
  if (cert.extensions.length > 0 && cert.version < 3)
    return `extensions in a version ${cert.version} certificate (§4.1.2.9)`;
  if (cert.serial <= 0n) return "serial number is not positive (§4.1.2.2)";
  if (cert.serialHex.length > 40) return "serial number longer than 20 octets (§4.1.2.2)";
  if (cert.keyAlgorithm === "EC" && cert.curveOid === undefined)
    return "EC key with explicit curve parameters (RFC 5480 §2.1.1: namedCurve only)";
  const ext = (oid: string) => cert.extensions.find((e) => e.oid === oid);
  for (const [oid, name] of MUST_BE_NON_CRITICAL) if (ext(oid)?.critical) return `critical ${name}`;
  const pc = ext(POLICY_CONSTRAINTS);
  if (pc && !pc.critical) return "non-critical policyConstraints (§4.2.1.11)";
  const nc = ext(OID.nameConstraints);
  if (nc && role === "leaf" && !cert.basicConstraints?.ca)
    return "nameConstraints in an end-entity certificate (§4.2.1.10)";
  if (nc && !nc.critical) return "non-critical nameConstraints (§4.2.1.10)";
  if (cert.extKeyUsage && cert.extKeyUsage.length === 0) return "empty extKeyUsage (§4.2.1.12)";
  if (cert.keyUsage?.has(KEY_USAGE.keyCertSign) && !cert.basicConstraints?.ca)
    return "keyCertSign without basicConstraints cA (§4.2.1.3)";
  if (cert.subjectName.attributes.length === 0) {
    if (role === "ca") return "CA certificate with an empty subject (§4.1.2.6)";
    const san = ext(OID.subjectAltName);
    if (!san?.critical) return "empty subject without a critical subjectAltName (§4.2.1.6)";
  }
  if (role === "ca" && cert.version >= 3) {
    const bc = ext(OID.basicConstraints);
    if (!bc) return "CA certificate without basicConstraints (§4.2.1.9)";
    if (!bc.critical) return "non-critical basicConstraints in a CA certificate (§4.2.1.9)";
  }
  const san = ext(OID.subjectAltName);
  const badName = san ? malformedSanName(san.value) : undefined;
  if (badName) return badName;
  // AKI and SKI are path-building aids that RFC 5280 (§4.2.1.1, §4.2.1.2) asks CAs to write;
  // §6 validation does not need them and older S/MIME peers omit them, so their absence is not
  // refused. What an AKI that is present says must be true (akiMismatch).
  if (isAnchor && isSelfIssued(cert)) return akiMismatch(cert, cert);
  return undefined;
}

/** §4.2.1.6: an rfc822Name is one addr-spec; a dNSName is in preferred name syntax (no empty label). */
function malformedSanName(value: Uint8Array): string | undefined {
  const ctx = berContext({ maxNodes: 100_000 });
  for (const gn of children(value, readRoot(value, ctx), ctx)) {
    const text = Buffer.from(contentBytes(value, gn)).toString("latin1");
    if (gn.tag === 0x81 && !/^[^@\s]+@[^@\s]+$/.test(text))
      return `malformed rfc822Name "${text}" in subjectAltName (§4.2.1.6)`;
    if (gn.tag === 0x82 && (text.length === 0 || text.startsWith(".") || text.includes("..")))
      return `malformed dNSName "${text}" in subjectAltName (§4.2.1.6)`;
  }
  return undefined;
}

/**
 * Does `cert`'s authorityKeyIdentifier name a different key or certificate than `issuer`
 * (RFC 5280 §4.2.1.1; X.509 pairs authorityCertIssuer with authorityCertSerialNumber)?
 */
export function akiMismatch(cert: Certificate, issuer: Certificate): string | undefined {
  const aki = cert.extensions.find((e) => e.oid === OID.authorityKeyIdentifier);
  if (!aki) return undefined;
  const ctx = berContext({ maxNodes: 1_000 });
  const parts = children(aki.value, readRoot(aki.value, ctx), ctx);
  const byTag = (tag: number) => parts.find((p) => p.tag === tag);
  const keyId = byTag(0x80);
  const certIssuer = byTag(0xa1);
  const serial = byTag(0x82);
  if ((certIssuer === undefined) !== (serial === undefined))
    return "authorityKeyIdentifier has only one of authorityCertIssuer and authorityCertSerialNumber";
  if (
    keyId &&
    issuer.subjectKeyIdentifier &&
    !sameBytes(contentBytes(aki.value, keyId), issuer.subjectKeyIdentifier)
  )
    return "authorityKeyIdentifier does not match the issuer's subjectKeyIdentifier";
  if (serial && unsignedValue(contentBytes(aki.value, serial)) !== issuer.serial)
    return "authorityCertSerialNumber is not the issuer certificate's serial";
  if (certIssuer) {
    const names = children(aki.value, certIssuer, ctx).filter((g) => g.tag === 0xa4);
    const matches = names.some((g) => {
      const [inner] = children(aki.value, g, ctx);
      return inner !== undefined && sameName(readName(aki.value, inner, ctx), issuer.issuerName);
    });
    if (!matches) return "authorityCertIssuer does not name the issuer's issuer";
  }
  return undefined;
}

/** The [2] IMPLICIT CertificateSerialNumber content as an INTEGER value (two's complement). */
function unsignedValue(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0] as number) & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
