import { constants, createHash, createHmac, type KeyObject, privateDecrypt } from "node:crypto";
import { CoreError } from "../errors.js";

/**
 * RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2) with implicit rejection, as specified by
 * draft-irtf-cfrg-rsa-guidance (formerly draft-kario-rsa-guidance) §7 and implemented by
 * OpenSSL ≥ 3.2 (rsa_ossl.c derive_kdk, rsa_pk1.c ossl_rsa_padding_check_PKCS1_type_2,
 * ossl_rsa_prf). Node 20 refuses RSA_PKCS1_PADDING for private decryption (CVE-2023-46809),
 * so the RSA primitive runs with RSA_NO_PADDING (OpenSSL still blinds it) and the unpadding
 * happens here: a ciphertext with bad padding yields a deterministic pseudo-random
 * "synthetic" message instead of an error, so no padding oracle exists (Bleichenbacher 1998,
 * Marvin 2023). See /work/shared/SMIME-NOTES.md §4.
 *
 * Constant-time discipline (as far as JS allows): every secret-dependent decision is integer
 * mask arithmetic, every loop runs over all k bytes, the synthetic message is always
 * computed, and nothing throws or branches on EM. Only publicly invalid input (a ciphertext
 * longer than the modulus, or ≥ n) fails fast.
 */

const FAILED = "the message could not be decrypted";

/** 1 if x (a 32-bit int) is zero, else 0. */
const isZero = (x: number): number => (((x | -x) >>> 31) ^ 1) & 1;
/** 1 if a < b for 0 ≤ a, b < 2^31, else 0. */
const lessThan = (a: number, b: number): number => ((a - b) >>> 31) & 1;
/** bit ? a : b without a branch; bit must be 0 or 1. */
const select = (bit: number, a: number, b: number): number => {
  const mask = -bit;
  return (a & mask) | (b & ~mask);
};

function i2osp2(n: number): Buffer {
  return Buffer.from([(n >>> 8) & 0xff, n & 0xff]);
}

/** The draft's PRF: HMAC-SHA256(KDK, I2OSP(i,2) ‖ label ‖ I2OSP(bitLength,2)) for i = 0, 1, … */
function prf(kdk: Uint8Array, label: string, bitLength: number): Buffer {
  const length = bitLength / 8;
  const out = Buffer.allocUnsafe(length);
  const labelBytes = Buffer.from(label, "latin1");
  const bits = i2osp2(bitLength);
  for (let i = 0, written = 0; written < length; i++) {
    const block = createHmac("sha256", kdk).update(i2osp2(i)).update(labelBytes).update(bits).digest();
    written += block.copy(out, written, 0, Math.min(block.length, length - written));
    block.fill(0);
  }
  return out;
}

function leftPad(bytes: Uint8Array, k: number): Buffer {
  const out = Buffer.alloc(k);
  out.set(bytes, k - bytes.length);
  return out;
}

interface Unpadded {
  k: number;
  /** EM = RSADP(C), k bytes. */
  em: Buffer;
  /** PRF("message", 8k), k bytes. */
  synthetic: Buffer;
  /** 1 if EM is a conforming type-2 block, else 0. */
  good: number;
  /** Length of the real message (meaningful only when good). */
  realLength: number;
  /** Length of the synthetic message. */
  syntheticLength: number;
}

interface KeyMaterial {
  /** Modulus length in bytes. */
  k: number;
  /** SHA256(I2OSP(d, k)): the HMAC key that derives the KDK (step 1). */
  dHash: Buffer;
}

/**
 * Per-key material, derived once per KeyObject: exporting the key as a JWK and hashing d took
 * longer than the RSA operation itself, on every decryption. It holds SHA256(I2OSP(d, k)), never
 * d: a value derived from the key that is only ever used as an HMAC key, kept as long as the
 * KeyObject (which holds d itself) is reachable — the WeakMap lets it go with the key.
 */
const KEY_MATERIAL = new WeakMap<KeyObject, KeyMaterial>();

function keyMaterial(privateKey: KeyObject): KeyMaterial {
  const cached = KEY_MATERIAL.get(privateKey);
  if (cached) return cached;
  const bits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "rsa" || !bits)
    throw new CoreError("invalid-argument", "PKCS#1 v1.5 decryption needs an RSA private key");
  const k = Math.ceil(bits / 8);
  const dBytes = leftPad(Buffer.from(privateKey.export({ format: "jwk" }).d ?? "", "base64url"), k);
  const dHash = createHash("sha256").update(dBytes).digest();
  dBytes.fill(0);
  const material = { k, dHash };
  KEY_MATERIAL.set(privateKey, material);
  return material;
}

function unpad(privateKey: KeyObject, ciphertext: Uint8Array): Unpadded {
  const { k, dHash } = keyMaterial(privateKey);
  // Publicly invalid: longer than the modulus (RFC 8017 §7.2.2 step 1). Shorter is allowed
  // and left-padded: some senders drop leading zero octets.
  if (ciphertext.length > k || k < 11) throw new CoreError("decryption-failed", FAILED);
  const c = leftPad(ciphertext, k);
  let em: Buffer;
  try {
    em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, c);
  } catch {
    // C ≥ n: publicly invalid (RFC 8017 §5.1.2 step 1).
    throw new CoreError("decryption-failed", FAILED);
  }
  if (em.length !== k) em = leftPad(em, k);

  // Step 1: KDK = HMAC-SHA256(SHA256(I2OSP(d, k)), I2OSP(C, k)).
  const kdk = createHmac("sha256", dHash).update(c).digest();

  // Steps 2–4: the synthetic message and its length, always computed.
  const synthetic = prf(kdk, "message", k * 8);
  const candidates = prf(kdk, "length", 128 * 2 * 8);
  kdk.fill(0);
  const maxLength = k - 2 - 8;
  let lengthMask = maxLength;
  lengthMask |= lengthMask >>> 1;
  lengthMask |= lengthMask >>> 2;
  lengthMask |= lengthMask >>> 4;
  lengthMask |= lengthMask >>> 8;
  let syntheticLength = 0;
  for (let i = 0; i < candidates.length; i += 2) {
    const candidate = (((candidates[i] as number) << 8) | (candidates[i + 1] as number)) & lengthMask;
    syntheticLength = select(lessThan(candidate, maxLength), candidate, syntheticLength);
  }
  candidates.fill(0);

  // Step 5: the real padding check over all k bytes (RFC 8017 §7.2.2 step 3).
  let good = isZero(em[0] as number) & isZero((em[1] as number) ^ 2);
  let foundZero = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const equalsZero = isZero(em[i] as number);
    zeroIndex = select(~foundZero & equalsZero & 1, i, zeroIndex);
    foundZero |= equalsZero;
  }
  // At least 8 bytes of PS, terminated by a zero byte (a missing zero leaves zeroIndex = 0).
  good &= 1 ^ lessThan(zeroIndex, 2 + 8);
  return { k, em, synthetic, good, realLength: k - 1 - zeroIndex, syntheticLength };
}

/**
 * Decrypts one PKCS#1 v1.5 block. Returns the message, or — for any padding error — the
 * synthetic message derived from the key and ciphertext (same input, same output). Throws
 * CoreError("decryption-failed") only for publicly invalid ciphertexts.
 */
export function rsaPkcs1v15Decrypt(privateKey: KeyObject, ciphertext: Uint8Array): Buffer {
  const u = unpad(privateKey, ciphertext);
  const length = select(u.good, u.realLength, u.syntheticLength);
  // Both candidates are right-aligned in their k-byte buffers: select every byte, then cut.
  const merged = Buffer.allocUnsafe(u.k);
  for (let i = 0; i < u.k; i++) merged[i] = select(u.good, u.em[i] as number, u.synthetic[i] as number);
  const out = Buffer.from(merged.subarray(u.k - length));
  merged.fill(0);
  u.em.fill(0);
  u.synthetic.fill(0);
  return out;
}

/**
 * The CMS variant (RFC 3218 §2.3 "random filling", SMIME-NOTES §4.3): the caller knows the
 * key length it needs (16/24/32 for AES, 24 for 3DES…). Returns exactly `length` bytes —
 * the real message when the padding is good and the message has that length, otherwise the
 * last `length` bytes of the synthetic message, chosen with masks. This equals the
 * implicit-rejection output whenever that output has the expected length, and never reveals
 * which case happened: a wrong key surfaces later, at the CBC pad or the GCM tag.
 */
export function rsaPkcs1v15DecryptFixed(
  privateKey: KeyObject,
  ciphertext: Uint8Array,
  length: number,
): Buffer {
  const { k } = keyMaterial(privateKey);
  if (!Number.isInteger(length) || length < 1 || length > k - 11)
    throw new CoreError(
      "invalid-argument",
      `PKCS#1 v1.5: cannot expect a ${length}-byte message from a ${k}-byte key`,
    );
  const u = unpad(privateKey, ciphertext);
  const good = u.good & isZero(u.realLength ^ length);
  const out = Buffer.allocUnsafe(length);
  const start = u.k - length;
  for (let i = 0; i < length; i++)
    out[i] = select(good, u.em[start + i] as number, u.synthetic[start + i] as number);
  u.em.fill(0);
  u.synthetic.fill(0);
  return out;
}
