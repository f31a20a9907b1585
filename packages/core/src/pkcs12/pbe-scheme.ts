import {
  type CipherInfo,
  cipherByOid,
  type DigestInfo,
  describeOid,
  digestByName,
  OID,
} from "../algorithms.js";
import {
  type BerContext,
  berContext,
  children,
  contentBytes,
  expectTag,
  readOid,
  readSmallInteger,
  TAG,
  type Tlv,
} from "../asn1/ber-reader.js";
import { CoreError } from "../errors.js";

/**
 * Password-based encryption schemes found in PKCS#12 files and PKCS#8 EncryptedPrivateKeyInfo:
 * - PKCS#12 PBE (RFC 7292 App. C): SHA-1 PKCS#12 KDF + 3DES / 2-key 3DES / RC2;
 * - PBES1 (RFC 8018 §6.1) with RC2 (the DES variants need single DES, which Node lacks);
 * - PBES2 (RFC 8018 §6.2, App. A.4) with PBKDF2 (App. A.2) or scrypt (RFC 7914 §7) and
 *   AES-CBC, 3DES-CBC or RC2-CBC (App. B.2).
 * Anything else parses to { kind: "unsupported" } so the caller can report it in the issue's
 * error order (a wrong password is reported before an unsupported algorithm).
 */
export type PbeScheme = Pkcs12Pbe | Pbes1 | Pbes2 | UnsupportedPbe;

export interface Pkcs12Pbe {
  kind: "pkcs12";
  oid: string;
  name: string;
  cipherName: string;
  /** node cipher, or null for RC2 (our own). */
  node: "des-ede3-cbc" | "des-ede-cbc" | null;
  keyLength: number;
  effectiveBits: number;
  salt: Uint8Array;
  iterations: number;
}

export interface Pbes1 {
  kind: "pbes1";
  oid: string;
  name: string;
  digest: DigestInfo;
  salt: Uint8Array;
  iterations: number;
}

export type Pbes2Kdf =
  | { kind: "pbkdf2"; salt: Uint8Array; iterations: number; keyLength: number | undefined; prf: DigestInfo }
  | { kind: "scrypt"; salt: Uint8Array; n: number; r: number; p: number; keyLength: number | undefined };

export interface Pbes2 {
  kind: "pbes2";
  kdf: Pbes2Kdf;
  cipher: CipherInfo;
  iv: Uint8Array;
}

export interface UnsupportedPbe {
  kind: "unsupported";
  name: string;
}

/** RFC 7292 App. C. */
const PKCS12_PBE: Record<string, Omit<Pkcs12Pbe, "kind" | "oid" | "salt" | "iterations"> | string> = {
  [OID.pbeWithShaAnd3KeyTripleDesCbc]: {
    name: "pbeWithSHAAnd3-KeyTripleDES-CBC",
    cipherName: "3DES-CBC",
    node: "des-ede3-cbc",
    keyLength: 24,
    effectiveBits: 0,
  },
  [OID.pbeWithShaAnd2KeyTripleDesCbc]: {
    name: "pbeWithSHAAnd2-KeyTripleDES-CBC",
    cipherName: "2-key 3DES-CBC",
    node: "des-ede-cbc",
    keyLength: 16,
    effectiveBits: 0,
  },
  [OID.pbeWithShaAnd128BitRc2Cbc]: {
    name: "pbeWithSHAAnd128BitRC2-CBC",
    cipherName: "RC2(128bit)",
    node: null,
    keyLength: 16,
    effectiveBits: 128,
  },
  [OID.pbeWithShaAnd40BitRc2Cbc]: {
    name: "pbewithSHAAnd40BitRC2-CBC",
    cipherName: "RC2(40bit)",
    node: null,
    keyLength: 5,
    effectiveBits: 40,
  },
  // RC4 is a stream cipher Node 20 only has in OpenSSL's legacy provider.
  [OID.pbeWithShaAnd128BitRc4]: "pbeWithSHAAnd128BitRC4 (RC4)",
  [OID.pbeWithShaAnd40BitRc4]: "pbeWithSHAAnd40BitRC4 (RC4)",
};

/** RFC 8018 App. A.3 PBES1 OIDs: the DES ones need single DES (not in Node 20). */
const PBES1: Record<string, { name: string; digest?: string }> = {
  "1.2.840.113549.1.5.1": { name: "pbeWithMD2AndDES-CBC" },
  "1.2.840.113549.1.5.3": { name: "pbeWithMD5AndDES-CBC" },
  "1.2.840.113549.1.5.4": { name: "pbeWithMD2AndRC2-CBC" },
  "1.2.840.113549.1.5.6": { name: "pbeWithMD5AndRC2-CBC", digest: "MD5" },
  "1.2.840.113549.1.5.10": { name: "pbeWithSHA1AndDES-CBC" },
  "1.2.840.113549.1.5.11": { name: "pbeWithSHA1AndRC2-CBC", digest: "SHA-1" },
};

/** RFC 8018 App. B.1.2: PBKDF2 PRFs. */
const PRF: Record<string, string> = {
  [OID.hmacWithSha1]: "SHA-1",
  [OID.hmacWithSha224]: "SHA-224",
  [OID.hmacWithSha256]: "SHA-256",
  [OID.hmacWithSha384]: "SHA-384",
  [OID.hmacWithSha512]: "SHA-512",
};
export const PRF_OID_BY_DIGEST: Record<string, string> = Object.fromEntries(
  Object.entries(PRF).map(([oid, name]) => [name, oid]),
);

/** RFC 8018 App. B.2.3 / RFC 2268 §6: rc2ParameterVersion → effective key bits. */
function rc2Bits(version: number): number | undefined {
  if (version >= 256) return version;
  return ({ 160: 40, 120: 64, 58: 128 } as Record<number, number>)[version];
}

/** A PKCS#12 PBE scheme (RFC 7292 App. C) for writing, e.g. the legacy 3DES one. */
export function newPkcs12Pbe(oid: string, salt: Uint8Array, iterations: number): Pkcs12Pbe {
  const known = PKCS12_PBE[oid];
  if (!known || typeof known === "string")
    throw new CoreError("invalid-argument", `not a writable PKCS#12 PBE: ${describeOid(oid)}`);
  return { kind: "pkcs12", oid, ...known, salt, iterations };
}

/** Parses a PBE AlgorithmIdentifier. Malformed parameters throw "malformed"; unknown schemes don't throw. */
export function parsePbeAlgorithm(buf: Uint8Array, alg: Tlv, ctx: BerContext = berContext()): PbeScheme {
  const [oidTlv, params] = children(buf, expectTag(alg, TAG.SEQUENCE, "AlgorithmIdentifier"), ctx);
  if (!oidTlv) throw new CoreError("malformed", "empty AlgorithmIdentifier");
  const oid = readOid(buf, oidTlv);
  const p12 = PKCS12_PBE[oid];
  if (typeof p12 === "string") return { kind: "unsupported", name: p12 };
  if (p12) return { kind: "pkcs12", oid, ...p12, ...saltAndCount(buf, params, ctx) };
  const p1 = PBES1[oid];
  if (p1) {
    const digest = p1.digest ? digestByName(p1.digest) : undefined;
    if (!digest) return { kind: "unsupported", name: `${p1.name} (single DES or MD2)` };
    return { kind: "pbes1", oid, name: p1.name, digest, ...saltAndCount(buf, params, ctx) };
  }
  if (oid === OID.pbes2) return parsePbes2(buf, params, ctx);
  return { kind: "unsupported", name: describeOid(oid) };
}

/** pkcs-12PbeParams / PBEParameter: SEQUENCE { salt OCTET STRING, iterations INTEGER }. */
function saltAndCount(buf: Uint8Array, params: Tlv | undefined, ctx: BerContext) {
  if (!params) throw new CoreError("malformed", "PBE parameters missing");
  const [salt, count] = children(buf, expectTag(params, TAG.SEQUENCE, "PBEParameter"), ctx);
  if (!salt || !count) throw new CoreError("malformed", "PBE parameters need salt and iterations");
  return {
    salt: contentBytes(buf, expectTag(salt, TAG.OCTET_STRING, "salt")),
    iterations: positive(readSmallInteger(buf, count), "iteration count"),
  };
}

function positive(n: number, what: string): number {
  if (n < 1) throw new CoreError("malformed", `${what} must be ≥ 1, got ${n}`);
  return n;
}

function parsePbes2(buf: Uint8Array, params: Tlv | undefined, ctx: BerContext): PbeScheme {
  if (!params) throw new CoreError("malformed", "PBES2 parameters missing");
  const [kdfAlg, encAlg] = children(buf, expectTag(params, TAG.SEQUENCE, "PBES2-params"), ctx);
  if (!kdfAlg || !encAlg)
    throw new CoreError("malformed", "PBES2 needs keyDerivationFunc and encryptionScheme");
  const [kdfOid, kdfParams] = children(buf, expectTag(kdfAlg, TAG.SEQUENCE, "keyDerivationFunc"), ctx);
  const [encOid, encParams] = children(buf, expectTag(encAlg, TAG.SEQUENCE, "encryptionScheme"), ctx);
  if (!kdfOid || !encOid || !kdfParams) throw new CoreError("malformed", "bad PBES2 parameters");
  const kdfName = readOid(buf, kdfOid);
  let kdf: Pbes2Kdf;
  if (kdfName === OID.pbkdf2) {
    const parsed = parsePbkdf2Params(buf, kdfParams, ctx);
    if ("unsupported" in parsed) return { kind: "unsupported", name: parsed.unsupported };
    kdf = parsed;
  } else if (kdfName === OID.scrypt) {
    const [salt, n, r, p, keyLength] = children(
      buf,
      expectTag(kdfParams, TAG.SEQUENCE, "scrypt-params"),
      ctx,
    );
    if (!salt || !n || !r || !p) throw new CoreError("malformed", "bad scrypt parameters");
    kdf = {
      kind: "scrypt",
      salt: contentBytes(buf, expectTag(salt, TAG.OCTET_STRING, "salt")),
      n: positive(readSmallInteger(buf, n), "scrypt N"),
      r: positive(readSmallInteger(buf, r), "scrypt r"),
      p: positive(readSmallInteger(buf, p), "scrypt p"),
      keyLength: keyLength ? positive(readSmallInteger(buf, keyLength), "keyLength") : undefined,
    };
  } else {
    return { kind: "unsupported", name: `PBES2 with key derivation ${describeOid(kdfName)}` };
  }
  const encName = readOid(buf, encOid);
  if (!encParams) throw new CoreError("malformed", "PBES2 encryptionScheme parameters missing");
  let cipher: CipherInfo | undefined;
  let iv: Uint8Array;
  if (encName === "1.2.840.113549.3.2") {
    // RC2-CBC-Parameter ::= SEQUENCE { rc2ParameterVersion INTEGER OPTIONAL, iv OCTET STRING } (App. B.2.3)
    const parts = children(buf, expectTag(encParams, TAG.SEQUENCE, "RC2-CBC-Parameter"), ctx);
    const ivTlv = parts[parts.length - 1];
    if (!ivTlv) throw new CoreError("malformed", "RC2-CBC-Parameter without IV");
    const bits = parts.length === 2 ? rc2Bits(readSmallInteger(buf, parts[0] as Tlv)) : 32;
    cipher = bits === undefined ? undefined : cipherByOid(encName, bits);
    if (!cipher) return { kind: "unsupported", name: `PBES2 with RC2 (${bits ?? "unknown"} effective bits)` };
    iv = contentBytes(buf, expectTag(ivTlv, TAG.OCTET_STRING, "iv"));
  } else {
    cipher = cipherByOid(encName);
    if (cipher?.mode !== "cbc") return { kind: "unsupported", name: `PBES2 with ${describeOid(encName)}` };
    iv = contentBytes(buf, expectTag(encParams, TAG.OCTET_STRING, "iv"));
  }
  if (iv.length !== cipher.blockSize)
    throw new CoreError("malformed", `${cipher.name} IV must be ${cipher.blockSize} bytes, got ${iv.length}`);
  if (kdf.keyLength !== undefined && kdf.keyLength !== cipher.keyLength)
    throw new CoreError("malformed", `PBES2 keyLength ${kdf.keyLength} does not fit ${cipher.name}`);
  return { kind: "pbes2", kdf, cipher, iv };
}

/** PBKDF2-params (RFC 8018 App. A.2). */
export function parsePbkdf2Params(
  buf: Uint8Array,
  params: Tlv,
  ctx: BerContext = berContext(),
): Extract<Pbes2Kdf, { kind: "pbkdf2" }> | { unsupported: string } {
  const fields = children(buf, expectTag(params, TAG.SEQUENCE, "PBKDF2-params"), ctx);
  const [salt, count] = fields;
  if (!salt || !count) throw new CoreError("malformed", "PBKDF2 parameters need salt and iterationCount");
  if (salt.tag !== TAG.OCTET_STRING) return { unsupported: "PBKDF2 with an otherSource salt" };
  let keyLength: number | undefined;
  let prfOid: string = OID.hmacWithSha1;
  for (const f of fields.slice(2)) {
    if (f.tag === TAG.INTEGER) keyLength = positive(readSmallInteger(buf, f), "keyLength");
    else if (f.tag === TAG.SEQUENCE) {
      const [o] = children(buf, f, ctx);
      if (!o) throw new CoreError("malformed", "empty PBKDF2 prf");
      prfOid = readOid(buf, o);
    }
  }
  const prf = PRF[prfOid] ? digestByName(PRF[prfOid] as string) : undefined;
  if (!prf) return { unsupported: `PBKDF2 with PRF ${describeOid(prfOid)}` };
  return {
    kind: "pbkdf2",
    salt: contentBytes(buf, salt),
    iterations: positive(readSmallInteger(buf, count), "iteration count"),
    keyLength,
    prf,
  };
}

/** Hash-iteration cost of deriving this scheme's key material once (see KdfBudget). */
export function pbeCost(scheme: PbeScheme): number {
  switch (scheme.kind) {
    case "pkcs12":
      return scheme.iterations * (Math.ceil(scheme.keyLength / 20) + 1);
    case "pbes1":
      return scheme.iterations;
    case "pbes2": {
      const k = scheme.kdf;
      if (k.kind === "scrypt") return 2 * k.n * k.r * k.p;
      return k.iterations * Math.ceil(scheme.cipher.keyLength / k.prf.length);
    }
    default:
      return 0;
  }
}

/** "AES-256-CBC (PBKDF2-HMAC-SHA256, 2048 iterations)", "3DES-CBC (pbeWithSHAAnd3-KeyTripleDES-CBC, 2048 iterations)". */
export function describePbe(scheme: PbeScheme): string {
  switch (scheme.kind) {
    case "pkcs12":
      return `${scheme.cipherName} (${scheme.name}, ${scheme.iterations} iterations)`;
    case "pbes1":
      return `RC2(64bit) (${scheme.name}, ${scheme.iterations} iterations)`;
    case "pbes2": {
      const k = scheme.kdf;
      if (k.kind === "scrypt") return `${scheme.cipher.name} (scrypt N=${k.n}, r=${k.r}, p=${k.p})`;
      return `${scheme.cipher.name} (PBKDF2-HMAC-${k.prf.name.replace("-", "")}, ${k.iterations} iterations)`;
    }
    default:
      return scheme.name;
  }
}
