import { createCipheriv, createDecipheriv } from "node:crypto";
import { CoreError } from "../errors.js";

/**
 * AES Key Wrap (RFC 3394 §2.2) through node:crypto's `id-aes{128,192,256}-wrap`, with the
 * default initial value A6A6A6A6A6A6A6A6 (§2.2.3.1). Used by CMS KeyAgreeRecipientInfo
 * (RFC 5753 §3.1, RFC 3565 §2.3.2) to wrap the content-encryption key under the ECDH KEK.
 */
const DEFAULT_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex");

function wrapCipherName(kek: Uint8Array): string {
  if (kek.length !== 16 && kek.length !== 24 && kek.length !== 32)
    throw new CoreError(
      "invalid-argument",
      `AES key wrap: KEK must be 16, 24 or 32 bytes, got ${kek.length}`,
    );
  return `id-aes${kek.length * 8}-wrap`;
}

/** RFC 3394 §2.2.1: the key data must be a multiple of 8 bytes, at least 16. */
export function aesKeyWrap(kek: Uint8Array, keyData: Uint8Array): Buffer {
  if (keyData.length < 16 || keyData.length % 8 !== 0)
    throw new CoreError(
      "invalid-argument",
      `AES key wrap: key data must be n×8 bytes (n ≥ 2), got ${keyData.length}`,
    );
  const cipher = createCipheriv(wrapCipherName(kek), kek, DEFAULT_IV);
  return Buffer.concat([cipher.update(keyData), cipher.final()]);
}

/**
 * RFC 3394 §2.2.2 unwrap with the §2.2.3 integrity check. Any failure (wrong KEK, tampered
 * or mis-sized input) is CoreError("decryption-failed") with the uniform message, because
 * in CMS it means exactly "this key cannot open the message".
 */
export function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer {
  const name = wrapCipherName(kek);
  if (wrapped.length < 24 || wrapped.length % 8 !== 0)
    throw new CoreError("decryption-failed", "the message could not be decrypted");
  try {
    const decipher = createDecipheriv(name, kek, DEFAULT_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    throw new CoreError("decryption-failed", "the message could not be decrypted");
  }
}
