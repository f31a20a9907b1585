import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import { type CipherInfo, type DigestName, digestByName, OID } from "../../algorithms.js";
import { type BerContext, children, readBitString, readOid, readRoot, TAG } from "../../asn1/ber-reader.js";
import {
  algorithmIdentifier,
  bitString,
  explicit,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
  tlv,
} from "../../asn1/der-writer.js";
import { CoreError } from "../../errors.js";
import type { Certificate } from "../../pki/certificate.js";
import { aesKeyUnwrap, aesKeyWrap } from "../../primitives/aes-key-wrap.js";
import { x963Kdf } from "../../primitives/x963-kdf.js";
import { cms3DesUnwrap, cms3DesWrap } from "./cms-3des-wrap.js";
import { type AlgorithmId, type KeyAgreeRecipient, unsupported } from "./recipient-infos.js";

/**
 * Ephemeral-static ECDH key agreement for KeyAgreeRecipientInfo (RFC 5652 §6.2.2,
 * RFC 5753 §3.1, RFC 8418 §2 for the shape), X9.63 KDF (RFC 5753 §3.1.2) and AES key wrap
 * (RFC 3394, RFC 3565 §2.3.2) or CMS 3DES wrap (RFC 3217).
 */
const CURVES: Readonly<Record<string, string>> = {
  prime256v1: OID.p256,
  secp384r1: OID.p384,
  secp521r1: OID.p521,
};

/** RFC 5753 §7.1.4 KDF schemes → hash; cofactorDH equals stdDH on the NIST prime curves (h = 1). */
const SCHEMES: Readonly<Record<string, DigestName>> = {
  [OID.stdDhSha1Kdf]: "SHA-1",
  [OID.stdDhSha224Kdf]: "SHA-224",
  [OID.stdDhSha256Kdf]: "SHA-256",
  [OID.stdDhSha384Kdf]: "SHA-384",
  [OID.stdDhSha512Kdf]: "SHA-512",
  [OID.cofactorDhSha1Kdf]: "SHA-1",
  [OID.cofactorDhSha224Kdf]: "SHA-224",
  [OID.cofactorDhSha256Kdf]: "SHA-256",
  [OID.cofactorDhSha384Kdf]: "SHA-384",
  [OID.cofactorDhSha512Kdf]: "SHA-512",
};
const STD_SCHEME: Readonly<Record<string, string>> = {
  "SHA-1": OID.stdDhSha1Kdf,
  "SHA-224": OID.stdDhSha224Kdf,
  "SHA-256": OID.stdDhSha256Kdf,
  "SHA-384": OID.stdDhSha384Kdf,
  "SHA-512": OID.stdDhSha512Kdf,
};

/** Key-wrap algorithm → KEK length in bytes. */
const WRAPS: Readonly<Record<string, number>> = {
  [OID.aes128Wrap]: 16,
  [OID.aes192Wrap]: 24,
  [OID.aes256Wrap]: 32,
  [OID.cms3DesWrap]: 24,
};

export function curveOidOf(key: KeyObject): string | undefined {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve ? CURVES[curve] : undefined;
}

/** ECC-CMS-SharedInfo (RFC 5753 §7.2), with keyInfo exactly as received or written. */
function sharedInfo(
  wrapAlgorithmDer: Uint8Array,
  ukm: Uint8Array | undefined,
  kekLength: number,
): Uint8Array {
  const bits = Buffer.alloc(4);
  bits.writeUInt32BE(kekLength * 8);
  const parts = [wrapAlgorithmDer];
  if (ukm) parts.push(explicit(0, octetString(ukm)));
  parts.push(explicit(2, octetString(bits)));
  return sequence(...parts);
}

export interface KariWriteOptions {
  kdf: DigestName;
  rid: Uint8Array;
  rng: (n: number) => Uint8Array;
}

/** Builds one [1] KeyAgreeRecipientInfo (version 3) for an EC recipient, with a fresh ephemeral key. */
export function buildKeyAgreeRecipient(
  cert: Certificate,
  cek: Uint8Array,
  cipher: CipherInfo,
  options: KariWriteOptions,
): Uint8Array {
  const curve = cert.publicKey.asymmetricKeyDetails?.namedCurve;
  if (!curve || !CURVES[curve])
    throw new CoreError(
      "invalid-argument",
      `cannot encrypt to ${cert.subject}: unsupported EC curve ${curve}`,
    );
  const scheme = STD_SCHEME[options.kdf];
  if (!scheme || !digestByName(options.kdf))
    throw new CoreError("invalid-argument", `bad ECDH KDF ${options.kdf}`);
  const wrapOid = cipher.wrapOid;
  if (!wrapOid) throw new CoreError("invalid-argument", `${cipher.name} has no key-wrap algorithm`);
  // RFC 3565 §2.3.2: AES-KW parameters absent; RFC 3217: 3DES wrap parameters NULL.
  const wrapAlgorithm =
    wrapOid === OID.cms3DesWrap ? algorithmIdentifier(wrapOid, nullValue()) : algorithmIdentifier(wrapOid);
  const kekLength = WRAPS[wrapOid] as number;
  const ephemeral = generateKeyPairSync("ec", { namedCurve: curve });
  const z = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: cert.publicKey });
  const kek = x963Kdf(options.kdf, z, sharedInfo(wrapAlgorithm, undefined, kekLength), kekLength);
  z.fill(0);
  const wrapped = wrapOid === OID.cms3DesWrap ? cms3DesWrap(kek, cek, options.rng) : aesKeyWrap(kek, cek);
  kek.fill(0);
  const spki = ephemeral.publicKey.export({ format: "der", type: "spki" });
  const [, spkiBits] = children(spki, readRoot(spki));
  if (!spkiBits) throw new CoreError("invalid-argument", "ephemeral EC key has no public point");
  const point = readBitString(spki, spkiBits).bytes;
  // originatorKey: id-ecPublicKey with parameters absent, as OpenSSL writes (cms_ec.c).
  const originator = explicit(0, tlv(0xa1, [algorithmIdentifier(OID.ecPublicKey), bitString(point)]));
  const rek = sequence(sequence(options.rid, octetString(wrapped)));
  return tlv(0xa1, [integer(3), originator, algorithmIdentifier(scheme, wrapAlgorithm), rek]);
}

/** Checks scheme and wrap before any private-key operation ("unsupported" is public). */
export function kariAlgorithms(
  kari: KeyAgreeRecipient,
  ctx: BerContext,
): { kdf: DigestName; wrap: AlgorithmId; kekLength: number } {
  const kdf = SCHEMES[kari.keyEncryptionAlgorithm.oid];
  if (!kdf) throw unsupported("key agreement scheme", kari.keyEncryptionAlgorithm.oid);
  const params = kari.keyEncryptionAlgorithm.parameters;
  if (!params) throw new CoreError("malformed", "KeyAgreeRecipientInfo key-wrap algorithm is missing");
  const root = readRoot(params, ctx);
  const [oidTlv, wrapParams] = children(params, root, ctx);
  if (root.tag !== TAG.SEQUENCE || !oidTlv)
    throw new CoreError("malformed", "bad key-wrap AlgorithmIdentifier");
  const wrapOid = readOid(params, oidTlv);
  const kekLength = WRAPS[wrapOid];
  if (!kekLength) throw unsupported("key-wrap algorithm", wrapOid);
  return {
    kdf,
    wrap: {
      oid: wrapOid,
      parameters: wrapParams && params.subarray(wrapParams.start, wrapParams.end),
      der: params,
    },
    kekLength,
  };
}

/**
 * Z, the ECDH shared secret (RFC 5753 §3.1.1, SEC 1 §3.3.1) of our private key and the
 * originator's ECPoint read on our key's curve. A point that is not on the curve (an
 * invalid-curve attack) or does not decode is CoreError("malformed"), never a secret.
 */
export function ecdhSharedSecret(privateKey: KeyObject, curveOid: string, point: Uint8Array): Buffer {
  let publicKey: KeyObject;
  try {
    const spki = sequence(sequence(oid(OID.ecPublicKey), oid(curveOid)), bitString(point));
    publicKey = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch {
    throw new CoreError(
      "malformed",
      "the ECDH originator public key is not a point on the recipient's curve",
    );
  }
  try {
    return diffieHellman({ privateKey, publicKey });
  } catch {
    throw new CoreError("malformed", "ECDH with the originator public key failed (invalid point)");
  }
}

/**
 * Recovers the CEK from one RecipientEncryptedKey. A wrong key or tampered wrap fails the
 * RFC 3394 / RFC 3217 integrity check and throws the uniform decryption-failed error.
 */
export function decryptKeyAgreement(
  privateKey: KeyObject,
  kari: KeyAgreeRecipient,
  encryptedKey: Uint8Array,
  ctx: BerContext,
): Uint8Array {
  const { kdf, wrap, kekLength } = kariAlgorithms(kari, ctx);
  const curveOid = curveOidOf(privateKey);
  if (privateKey.asymmetricKeyType !== "ec" || !curveOid)
    throw new CoreError("invalid-argument", "ECDH key agreement needs a P-256, P-384 or P-521 private key");
  const originator = kari.originatorKey;
  if (!originator)
    throw new CoreError(
      "unsupported-algorithm",
      "key agreement with a static originator key is not supported",
    );
  if (originator.algorithm.oid !== OID.ecPublicKey)
    throw unsupported("originator key algorithm", originator.algorithm.oid);
  // RFC 5753 §3.1.1: parameters absent or NULL (take the curve from our key), or the curve itself.
  const params = originator.algorithm.parameters;
  if (params && params[0] !== TAG.NULL) {
    const named = params[0] === TAG.OID ? readOid(params, readRoot(params, ctx)) : undefined;
    if (named !== curveOid) throw new CoreError("decryption-failed", "the message could not be decrypted");
  }
  const z = ecdhSharedSecret(privateKey, curveOid, originator.publicKey);
  const kek = x963Kdf(kdf, z, sharedInfo(wrap.der, kari.ukm, kekLength), kekLength);
  z.fill(0);
  try {
    return wrap.oid === OID.cms3DesWrap ? cms3DesUnwrap(kek, encryptedKey) : aesKeyUnwrap(kek, encryptedKey);
  } finally {
    kek.fill(0);
  }
}
