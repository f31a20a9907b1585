/**
 * The one registry of algorithm OIDs and the names users see. Every
 * module maps OIDs through here; nothing else spells a user-facing algorithm name.
 */

export type DigestName = "MD5" | "SHA-1" | "SHA-224" | "SHA-256" | "SHA-384" | "SHA-512";
export type CipherName =
  | "AES-128-CBC"
  | "AES-192-CBC"
  | "AES-256-CBC"
  | "AES-128-GCM"
  | "AES-192-GCM"
  | "AES-256-GCM"
  | "3DES-CBC"
  | "RC2(40bit)"
  | "RC2(64bit)"
  | "RC2(128bit)";
export type KeyManagementName = "RSA" | "RSA-OAEP" | "ECDH";

export interface DigestInfo {
  name: DigestName;
  oid: string;
  /** node:crypto hash name. */
  node: string;
  /** RFC 8551 §3.5.3.2 micalg value. */
  micalg: string;
  length: number;
  /** PKCS#12 KDF block size v (RFC 7292 App. B.2). */
  blockSize: number;
  weak: boolean;
}

export const DIGESTS: readonly DigestInfo[] = [
  {
    name: "MD5",
    oid: "1.2.840.113549.2.5",
    node: "md5",
    micalg: "md5",
    length: 16,
    blockSize: 64,
    weak: true,
  },
  {
    name: "SHA-1",
    oid: "1.3.14.3.2.26",
    node: "sha1",
    micalg: "sha-1",
    length: 20,
    blockSize: 64,
    weak: true,
  },
  {
    name: "SHA-224",
    oid: "2.16.840.1.101.3.4.2.4",
    node: "sha224",
    micalg: "sha-224",
    length: 28,
    blockSize: 64,
    weak: false,
  },
  {
    name: "SHA-256",
    oid: "2.16.840.1.101.3.4.2.1",
    node: "sha256",
    micalg: "sha-256",
    length: 32,
    blockSize: 64,
    weak: false,
  },
  {
    name: "SHA-384",
    oid: "2.16.840.1.101.3.4.2.2",
    node: "sha384",
    micalg: "sha-384",
    length: 48,
    blockSize: 128,
    weak: false,
  },
  {
    name: "SHA-512",
    oid: "2.16.840.1.101.3.4.2.3",
    node: "sha512",
    micalg: "sha-512",
    length: 64,
    blockSize: 128,
    weak: false,
  },
];

export interface CipherInfo {
  name: CipherName;
  oid: string;
  /** node:crypto cipher name; RC2 has none (our own implementation). */
  node: string | null;
  keyLength: number;
  blockSize: number;
  mode: "cbc" | "gcm";
  /** RC2 effective key bits (RFC 2268), else null. */
  effectiveBits: number | null;
  /** Decrypt-only legacy ciphers are never offered for writing unless asked explicitly. */
  legacy: boolean;
  /** AES key-wrap algorithm matching this cipher's key length (for ECDH, RFC 5753). */
  wrapOid: string | null;
}

export const CIPHERS: readonly CipherInfo[] = [
  {
    name: "AES-128-CBC",
    oid: "2.16.840.1.101.3.4.1.2",
    node: "aes-128-cbc",
    keyLength: 16,
    blockSize: 16,
    mode: "cbc",
    effectiveBits: null,
    legacy: false,
    wrapOid: "2.16.840.1.101.3.4.1.5",
  },
  {
    name: "AES-192-CBC",
    oid: "2.16.840.1.101.3.4.1.22",
    node: "aes-192-cbc",
    keyLength: 24,
    blockSize: 16,
    mode: "cbc",
    effectiveBits: null,
    legacy: false,
    wrapOid: "2.16.840.1.101.3.4.1.25",
  },
  {
    name: "AES-256-CBC",
    oid: "2.16.840.1.101.3.4.1.42",
    node: "aes-256-cbc",
    keyLength: 32,
    blockSize: 16,
    mode: "cbc",
    effectiveBits: null,
    legacy: false,
    wrapOid: "2.16.840.1.101.3.4.1.45",
  },
  {
    name: "AES-128-GCM",
    oid: "2.16.840.1.101.3.4.1.6",
    node: "aes-128-gcm",
    keyLength: 16,
    blockSize: 16,
    mode: "gcm",
    effectiveBits: null,
    legacy: false,
    wrapOid: "2.16.840.1.101.3.4.1.5",
  },
  {
    name: "AES-192-GCM",
    oid: "2.16.840.1.101.3.4.1.26",
    node: "aes-192-gcm",
    keyLength: 24,
    blockSize: 16,
    mode: "gcm",
    effectiveBits: null,
    legacy: false,
    wrapOid: "2.16.840.1.101.3.4.1.25",
  },
  {
    name: "AES-256-GCM",
    oid: "2.16.840.1.101.3.4.1.46",
    node: "aes-256-gcm",
    keyLength: 32,
    blockSize: 16,
    mode: "gcm",
    effectiveBits: null,
    legacy: false,
    wrapOid: "2.16.840.1.101.3.4.1.45",
  },
  {
    name: "3DES-CBC",
    oid: "1.2.840.113549.3.7",
    node: "des-ede3-cbc",
    keyLength: 24,
    blockSize: 8,
    mode: "cbc",
    effectiveBits: null,
    legacy: true,
    wrapOid: "1.2.840.113549.1.9.16.3.6",
  },
  {
    name: "RC2(40bit)",
    oid: "1.2.840.113549.3.2",
    node: null,
    keyLength: 5,
    blockSize: 8,
    mode: "cbc",
    effectiveBits: 40,
    legacy: true,
    wrapOid: null,
  },
  {
    name: "RC2(64bit)",
    oid: "1.2.840.113549.3.2",
    node: null,
    keyLength: 8,
    blockSize: 8,
    mode: "cbc",
    effectiveBits: 64,
    legacy: true,
    wrapOid: null,
  },
  {
    name: "RC2(128bit)",
    oid: "1.2.840.113549.3.2",
    node: null,
    keyLength: 16,
    blockSize: 8,
    mode: "cbc",
    effectiveBits: 128,
    legacy: true,
    wrapOid: null,
  },
];

/** Ciphers Sealbox writes. 3DES only on explicit request; RC2 never. */
export const WRITABLE_CIPHERS: readonly CipherName[] = [
  "AES-128-CBC",
  "AES-192-CBC",
  "AES-256-CBC",
  "AES-128-GCM",
  "AES-192-GCM",
  "AES-256-GCM",
  "3DES-CBC",
];
/** AES-256-CBC: Outlook cannot read AuthEnvelopedData. */
export const DEFAULT_CIPHER: CipherName = "AES-256-CBC";

export const OID = {
  // content types (RFC 5652 §4–§6, RFC 5083)
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  envelopedData: "1.2.840.113549.1.7.3",
  digestedData: "1.2.840.113549.1.7.5",
  encryptedData: "1.2.840.113549.1.7.6",
  authEnvelopedData: "1.2.840.113549.1.9.16.1.23",
  compressedData: "1.2.840.113549.1.9.16.1.9",
  // attributes
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  countersignature: "1.2.840.113549.1.9.6",
  smimeCapabilities: "1.2.840.113549.1.9.15",
  encrypKeyPref: "1.2.840.113549.1.9.16.2.11",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  timeStampToken: "1.2.840.113549.1.9.16.2.14",
  emailAddress: "1.2.840.113549.1.9.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  // public keys and signatures
  rsaEncryption: "1.2.840.113549.1.1.1",
  md5WithRSA: "1.2.840.113549.1.1.4",
  sha1WithRSA: "1.2.840.113549.1.1.5",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  sha384WithRSA: "1.2.840.113549.1.1.12",
  sha512WithRSA: "1.2.840.113549.1.1.13",
  sha224WithRSA: "1.2.840.113549.1.1.14",
  rsaesOaep: "1.2.840.113549.1.1.7",
  mgf1: "1.2.840.113549.1.1.8",
  pSpecified: "1.2.840.113549.1.1.9",
  rsassaPss: "1.2.840.113549.1.1.10",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSha1: "1.2.840.10045.4.1",
  ecdsaWithSha224: "1.2.840.10045.4.3.1",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",
  ed25519: "1.3.101.112",
  x25519: "1.3.101.110",
  // curves
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
  // ECDH KDF schemes (RFC 5753 §7.1.4)
  stdDhSha1Kdf: "1.3.133.16.840.63.0.2",
  stdDhSha224Kdf: "1.3.132.1.11.0",
  stdDhSha256Kdf: "1.3.132.1.11.1",
  stdDhSha384Kdf: "1.3.132.1.11.2",
  stdDhSha512Kdf: "1.3.132.1.11.3",
  cofactorDhSha1Kdf: "1.3.133.16.840.63.0.3",
  cofactorDhSha224Kdf: "1.3.132.1.14.0",
  cofactorDhSha256Kdf: "1.3.132.1.14.1",
  cofactorDhSha384Kdf: "1.3.132.1.14.2",
  cofactorDhSha512Kdf: "1.3.132.1.14.3",
  // key wrap
  aes128Wrap: "2.16.840.1.101.3.4.1.5",
  aes192Wrap: "2.16.840.1.101.3.4.1.25",
  aes256Wrap: "2.16.840.1.101.3.4.1.45",
  cms3DesWrap: "1.2.840.113549.1.9.16.3.6",
  // content encryption without a CIPHERS-unique OID (RFC 3370 §5.2)
  rc2Cbc: "1.2.840.113549.3.2",
  // password-based (RFC 8018, RFC 7292)
  pbkdf2: "1.2.840.113549.1.5.12",
  pbes2: "1.2.840.113549.1.5.13",
  pbmac1: "1.2.840.113549.1.5.14",
  hmacWithSha1: "1.2.840.113549.2.7",
  hmacWithSha224: "1.2.840.113549.2.8",
  hmacWithSha256: "1.2.840.113549.2.9",
  hmacWithSha384: "1.2.840.113549.2.10",
  hmacWithSha512: "1.2.840.113549.2.11",
  pbeWithShaAnd128BitRc4: "1.2.840.113549.1.12.1.1",
  pbeWithShaAnd40BitRc4: "1.2.840.113549.1.12.1.2",
  pbeWithShaAnd3KeyTripleDesCbc: "1.2.840.113549.1.12.1.3",
  pbeWithShaAnd2KeyTripleDesCbc: "1.2.840.113549.1.12.1.4",
  pbeWithShaAnd128BitRc2Cbc: "1.2.840.113549.1.12.1.5",
  pbeWithShaAnd40BitRc2Cbc: "1.2.840.113549.1.12.1.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  crlBag: "1.2.840.113549.1.12.10.1.4",
  secretBag: "1.2.840.113549.1.12.10.1.5",
  safeContentsBag: "1.2.840.113549.1.12.10.1.6",
  scrypt: "1.3.6.1.4.1.11591.4.11",
  // certificate extensions and purposes (RFC 5280)
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  crlNumber: "2.5.29.20",
  crlReason: "2.5.29.21",
  nameConstraints: "2.5.29.30",
  crlDistributionPoints: "2.5.29.31",
  certificatePolicies: "2.5.29.32",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  anyExtendedKeyUsage: "2.5.29.37.0",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  smtpUtf8Mailbox: "1.3.6.1.5.5.7.8.9",
  commonName: "2.5.4.3",
} as const;

/** Signature algorithm OIDs that imply a digest (RFC 5754 §3). rsaEncryption takes it from digestAlgorithm. */
export const SIGNATURE_DIGEST: Readonly<Record<string, DigestName>> = {
  [OID.md5WithRSA]: "MD5",
  [OID.sha1WithRSA]: "SHA-1",
  [OID.sha224WithRSA]: "SHA-224",
  [OID.sha256WithRSA]: "SHA-256",
  [OID.sha384WithRSA]: "SHA-384",
  [OID.sha512WithRSA]: "SHA-512",
  [OID.ecdsaWithSha1]: "SHA-1",
  [OID.ecdsaWithSha224]: "SHA-224",
  [OID.ecdsaWithSha256]: "SHA-256",
  [OID.ecdsaWithSha384]: "SHA-384",
  [OID.ecdsaWithSha512]: "SHA-512",
};

export function digestByOid(oid: string): DigestInfo | undefined {
  return DIGESTS.find((d) => d.oid === oid);
}

export function digestByName(name: string): DigestInfo | undefined {
  const wanted = name.toUpperCase().replace(/^SHA(\d)/, "SHA-$1");
  return DIGESTS.find((d) => d.name === wanted);
}

export function cipherByName(name: string): CipherInfo | undefined {
  const wanted = name.trim().toUpperCase();
  return CIPHERS.find((c) => c.name.toUpperCase() === wanted);
}

/** RC2 needs its effective key bits to pick the name; every other cipher maps by OID alone. */
export function cipherByOid(oid: string, rc2EffectiveBits?: number): CipherInfo | undefined {
  if (oid === "1.2.840.113549.3.2")
    return CIPHERS.find((c) => c.oid === oid && c.effectiveBits === rc2EffectiveBits);
  return CIPHERS.find((c) => c.oid === oid);
}

/** A friendly name for an OID we do not support, for "unsupported-algorithm" messages. */
export function describeOid(oid: string): string {
  const known = Object.entries(OID).find(([, v]) => v === oid);
  return known ? `${known[0]} (${oid})` : oid;
}
