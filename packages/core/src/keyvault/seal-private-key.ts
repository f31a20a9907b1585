import type { KeyObject } from "node:crypto";
import { CoreError } from "../errors.js";
import { encodeEncryptedPrivateKeyInfo } from "../pkcs12/encrypted-private-key-info.js";
import { newPbes2, pbeEncrypt } from "../pkcs12/pbe-cipher.js";
import { normalizeSecureMailPassword } from "./secure-mail-password.js";

/**
 * Default KDF for sealed keys: PBKDF2-HMAC-SHA256 at 600,000 iterations (OWASP 2023), measured
 * at ~130 ms on this 2-core machine, so unlock (one KDF + key import) stays well under the 250 ms
 * target. scrypt N=2^16, r=8 (~180 ms) is stronger against GPUs but needs 64 MiB per unlock in
 * flight — on a shared server with many concurrent unlocks that memory is itself a
 * denial-of-service lever — and fewer PKCS#8 readers accept it; it is offered as an option.
 */
export const DEFAULT_SEAL_ITERATIONS = 600_000;
export const DEFAULT_SCRYPT_N = 1 << 16;
/** Below this, PBKDF2 is not a "slow KDF" for a password that guards a private key. */
export const MIN_SEAL_ITERATIONS = 600_000;

export interface SealOptions {
  kdf?: "pbkdf2" | "scrypt";
  /** PBKDF2 iterations (≥ 600,000). */
  iterations?: number;
  /** scrypt cost N, a power of two ≤ 2^16 (r = 8, p = 1). */
  scryptN?: number;
  /**
   * Salt to reuse: resealPrivateKeys seals one user's keys in one batch under one fresh salt,
   * so unlock derives the key once. Leave unset: a fresh random 16-byte salt is drawn.
   */
  salt?: Uint8Array;
}

/**
 * Seals a private key under the Secure Mail Password as a PKCS#8 EncryptedPrivateKeyInfo
 * (RFC 5958 §3) with PBES2 (RFC 8018 §6.2): PBKDF2-HMAC-SHA256 (or scrypt, RFC 7914 §7) and
 * AES-256-CBC with a random IV. The result is standard: `openssl pkcs8 -inform DER` opens it.
 */
export function sealPrivateKey(
  privateKey: KeyObject,
  password: string,
  options: SealOptions = {},
): Uint8Array {
  if (privateKey.type !== "private")
    throw new CoreError("invalid-argument", "sealPrivateKey needs a private key");
  const nfc = normalizeSecureMailPassword(password);
  const kdf = options.kdf ?? "pbkdf2";
  const iterations = options.iterations ?? DEFAULT_SEAL_ITERATIONS;
  if (
    kdf === "pbkdf2" &&
    (!Number.isSafeInteger(iterations) || iterations < MIN_SEAL_ITERATIONS || iterations > 10_000_000)
  )
    throw new CoreError("invalid-argument", `PBKDF2 iterations must be ${MIN_SEAL_ITERATIONS}..10,000,000`);
  const scryptN = options.scryptN ?? DEFAULT_SCRYPT_N;
  if (kdf === "scrypt" && (scryptN < 1 << 14 || scryptN > 1 << 16 || (scryptN & (scryptN - 1)) !== 0))
    throw new CoreError("invalid-argument", "scrypt N must be a power of two in 2^14..2^16");
  const scheme = newPbes2({
    cipher: "AES-256-CBC",
    prf: "SHA-256",
    kdf,
    iterations,
    scryptN,
    ...(options.salt ? { salt: options.salt } : {}),
  });
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  const raw = Buffer.from(nfc, "utf8");
  try {
    return encodeEncryptedPrivateKeyInfo(scheme, pbeEncrypt(scheme, raw, pkcs8));
  } finally {
    pkcs8.fill(0);
    raw.fill(0);
  }
}
