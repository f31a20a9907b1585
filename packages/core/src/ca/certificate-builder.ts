import { createHash, createPublicKey, type KeyObject, randomBytes, sign } from "node:crypto";
import { OID } from "../algorithms.js";
import { berContext, children, readBitString, readRoot, type Tlv } from "../asn1/ber-reader.js";
import { der } from "../asn1/index.js";
import { CoreError } from "../errors.js";
import { type Certificate, parseCertificate } from "../pki/certificate.js";

/** How a CA key signs: the AlgorithmIdentifier to write and the node digest (null for EdDSA). */
export interface Signer {
  key: KeyObject;
  algorithm: Uint8Array;
  digest: string | null;
}

/**
 * RFC 5754 §3 / RFC 5758 §3.2 / RFC 8410 §3: sha256WithRSAEncryption (NULL parameters),
 * ecdsa-with-SHA256/384/512 by curve size (absent parameters), Ed25519.
 */
export function signerFor(key: KeyObject): Signer {
  const type = key.asymmetricKeyType;
  if (type === "rsa")
    return { key, algorithm: der.algorithmIdentifier(OID.sha256WithRSA, der.nullValue()), digest: "sha256" };
  if (type === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const [oid, digest] =
      curve === "secp384r1"
        ? [OID.ecdsaWithSha384, "sha384"]
        : curve === "secp521r1"
          ? [OID.ecdsaWithSha512, "sha512"]
          : [OID.ecdsaWithSha256, "sha256"];
    return { key, algorithm: der.algorithmIdentifier(oid), digest };
  }
  if (type === "ed25519") return { key, algorithm: der.algorithmIdentifier(OID.ed25519), digest: null };
  throw new CoreError("invalid-argument", `a CA cannot sign with a ${type ?? "unknown"} key`);
}

export function signBytes(signer: Signer, data: Uint8Array): Buffer {
  return sign(signer.digest, data, { key: signer.key, dsaEncoding: "der" });
}

/** SubjectPublicKeyInfo DER of a key (private or public). */
export function spkiOf(key: KeyObject): Buffer {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return pub.export({ type: "spki", format: "der" });
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifierOf(spki: Uint8Array): Buffer {
  const ctx = berContext();
  const [, bits] = children(spki, readRoot(spki, ctx), ctx);
  return createHash("sha1")
    .update(readBitString(spki, bits as Tlv).bytes)
    .digest();
}

/** A random positive serial of 16 bytes, top bit cleared (RFC 5280 §4.1.2.2: ≤ 20 octets, positive). */
export function randomSerial(random: (n: number) => Uint8Array = randomBytes): bigint {
  const bytes = Buffer.from(random(16));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40; // positive, and exactly 16 significant bytes
  return BigInt(`0x${bytes.toString("hex")}`);
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1). */
export function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return der.sequence(der.oid(oid), ...(critical ? [der.bool(true)] : []), der.octetString(value));
}

export interface TbsFields {
  serial: bigint;
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  extensions: Uint8Array[];
}

/** Builds and signs a v3 certificate (RFC 5280 §4.1), returned parsed by our own reader. */
export function buildCertificate(fields: TbsFields, signer: Signer): Certificate {
  if (fields.serial <= 0n) throw new CoreError("invalid-argument", "certificate serial must be positive");
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integer(fields.serial),
    signer.algorithm,
    fields.issuer,
    der.sequence(der.time(fields.notBefore), der.time(fields.notAfter)),
    fields.subject,
    fields.spki,
    der.explicit(3, der.sequence(...fields.extensions)),
  );
  return parseCertificate(der.sequence(tbs, signer.algorithm, der.bitString(signBytes(signer, tbs))));
}

/** Name (RFC 5280 §4.1.2.4): one attribute per RDN, CN as UTF8String (RFC 5280 §4.1.2.6). */
export function encodeName(attributes: ReadonlyArray<readonly [oid: string, value: string]>): Uint8Array {
  return der.sequence(
    ...attributes.map(([oid, value]) =>
      der.setOf([
        der.sequence(der.oid(oid), oid === OID.emailAddress ? der.ia5String(value) : der.utf8String(value)),
      ]),
    ),
  );
}

/** A whole-second Date (certificate times have no fractions). */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
