import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, scryptSync } from "node:crypto";
import { type CipherName, cipherByName, digestByName } from "../algorithms.js";
import { CoreError } from "../errors.js";
import { iteratedHash } from "../primitives/iterated-hash.js";
import { PKCS12_KDF_ID, pkcs12Kdf } from "../primitives/pkcs12-kdf.js";
import { createRc2Cipheriv, createRc2Decipheriv } from "../primitives/rc2.js";
import type { PasswordForm } from "./password-forms.js";
import type { PbeScheme, Pbes2, Pbes2Kdf, Pkcs12Pbe } from "./pbe-scheme.js";

/** scrypt memory is 128·N·r bytes; more than this is refused (a hostile file could ask for GiBs). */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

type Supported = Exclude<PbeScheme, { kind: "unsupported" }>;

/**
 * Which bytes of a password form a scheme takes, primary first. PKCS#12 PBE uses the
 * BMPString (RFC 7292 App. B.1); PBES1/PBES2 take octets, which means UTF-8 (RFC 8018 §3).
 * For PBES2 the BMP form is a retry for old writers that fed PBKDF2 the PKCS#12 encoding.
 */
export function passwordInputs(scheme: Supported, form: PasswordForm): Buffer[] {
  if (scheme.kind === "pkcs12") return [form.bmp];
  if (scheme.kind === "pbes1") return [form.raw];
  return form.bmp.length > 0 ? [form.raw, form.bmp] : [form.raw];
}

interface KeyAndIv {
  key: Buffer;
  iv: Buffer;
}

function derive(scheme: Supported, password: Uint8Array): KeyAndIv {
  switch (scheme.kind) {
    case "pkcs12": {
      // RFC 7292 App. C: SHA-1 always; ID 1 key, ID 2 IV.
      const key = pkcs12Kdf(
        "SHA-1",
        password,
        scheme.salt,
        PKCS12_KDF_ID.key,
        scheme.iterations,
        scheme.keyLength,
      );
      const iv = pkcs12Kdf("SHA-1", password, scheme.salt, PKCS12_KDF_ID.iv, scheme.iterations, 8);
      return { key, iv };
    }
    case "pbes1": {
      // RFC 8018 §6.1.1: PBKDF1, T_c = Hash^c(P || S); key = DK[0..8], IV = DK[8..16].
      const dk = iteratedHash(scheme.digest.node, Buffer.concat([password, scheme.salt]), scheme.iterations);
      const out = { key: Buffer.from(dk.subarray(0, 8)), iv: Buffer.from(dk.subarray(8, 16)) };
      dk.fill(0);
      return out;
    }
    case "pbes2":
      return { key: deriveKey(scheme.kdf, password, scheme.cipher.keyLength), iv: Buffer.from(scheme.iv) };
  }
}

/** PBKDF2 (RFC 8018 §5.2) or scrypt (RFC 7914 §6), natively. */
export function deriveKey(kdf: Pbes2Kdf, password: Uint8Array, length: number): Buffer {
  if (kdf.kind === "pbkdf2") return pbkdf2Sync(password, kdf.salt, kdf.iterations, length, kdf.prf.node);
  const memory = 128 * kdf.n * kdf.r;
  if (memory > MAX_SCRYPT_MEMORY || kdf.n < 2 || (kdf.n & (kdf.n - 1)) !== 0)
    throw new CoreError(
      "limit-exceeded",
      `scrypt N=${kdf.n}, r=${kdf.r} is not a power of two or needs more than ${MAX_SCRYPT_MEMORY / 1048576} MiB`,
    );
  return scryptSync(password, kdf.salt, length, {
    N: kdf.n,
    r: kdf.r,
    p: kdf.p,
    maxmem: memory * 2 + 1024 * 1024,
  });
}

function nodeCipherName(scheme: Supported): { node: string | null; bits: number } {
  if (scheme.kind === "pkcs12") return { node: scheme.node, bits: scheme.effectiveBits };
  if (scheme.kind === "pbes1") return { node: null, bits: 64 };
  return { node: scheme.cipher.node, bits: scheme.cipher.effectiveBits ?? 0 };
}

/**
 * Decrypts with one password encoding. Bad padding or a ragged length throws
 * CoreError("decryption-failed"); the caller decides what that means (wrong password or
 * damage) in the error order.
 */
export function pbeDecrypt(scheme: Supported, password: Uint8Array, ciphertext: Uint8Array): Buffer {
  const { key, iv } = derive(scheme, password);
  const { node, bits } = nodeCipherName(scheme);
  try {
    if (node === null) {
      const d = createRc2Decipheriv(key, bits, iv);
      return Buffer.concat([d.update(ciphertext), d.final()]);
    }
    const d = createDecipheriv(node, key, iv);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch (error) {
    if (error instanceof CoreError) throw error;
    throw new CoreError("decryption-failed", "password-based decryption failed (bad padding)", {
      cause: error,
    });
  } finally {
    key.fill(0);
    iv.fill(0);
  }
}

export function pbeEncrypt(scheme: Pkcs12Pbe | Pbes2, password: Uint8Array, plaintext: Uint8Array): Buffer {
  const { key, iv } = derive(scheme, password);
  const { node, bits } = nodeCipherName(scheme);
  try {
    const c = node === null ? createRc2Cipheriv(key, bits, iv) : createCipheriv(node, key, iv);
    return Buffer.concat([c.update(plaintext), c.final()]);
  } finally {
    key.fill(0);
    iv.fill(0);
  }
}

export interface NewPbes2Options {
  cipher?: CipherName;
  kdf?: "pbkdf2" | "scrypt";
  /** PBKDF2 iteration count. */
  iterations: number;
  prf?: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";
  /** scrypt cost (power of two); r = 8, p = 1. */
  scryptN?: number;
  /** Reuse a salt (several keys sealed in one batch under one password); fresh 16 bytes otherwise. */
  salt?: Uint8Array;
}

/** A fresh PBES2 scheme: random 16-byte salt and random IV (RFC 8018 §6.2.1 steps 1, 4). */
export function newPbes2(options: NewPbes2Options): Pbes2 {
  const cipher = cipherByName(options.cipher ?? "AES-256-CBC");
  if (cipher?.mode !== "cbc" || cipher.node === null)
    throw new CoreError("invalid-argument", `PBES2 cannot use ${options.cipher}`);
  const salt = options.salt ? Uint8Array.from(options.salt) : randomBytes(16);
  if (!Number.isSafeInteger(options.iterations) || options.iterations < 1)
    throw new CoreError("invalid-argument", `bad iteration count ${options.iterations}`);
  const kdf: Pbes2Kdf =
    options.kdf === "scrypt"
      ? { kind: "scrypt", salt, n: options.scryptN ?? 1 << 16, r: 8, p: 1, keyLength: undefined }
      : {
          kind: "pbkdf2",
          salt,
          iterations: options.iterations,
          keyLength: undefined,
          prf: digestByName(options.prf ?? "SHA-256") as NonNullable<ReturnType<typeof digestByName>>,
        };
  return { kind: "pbes2", kdf, cipher, iv: randomBytes(cipher.blockSize) };
}
