import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { CoreError } from "../errors.js";

/**
 * Unlocked keys that outlive one web process without a plaintext private key in the database:
 * on unlock the server re-wraps the unsealed keys under a key derived from a random session
 * token that only the user's cookie holds, and the store keeps the wrapped blob. The database
 * alone opens nothing; the cookie alone holds no key. Lock = delete the blob.
 *
 * Blob: 0x02 | IV (12) | AES-256-GCM ciphertext | tag (16). GCM (NIST SP 800-38D) authenticates
 * the ciphertext and the AAD, so a wrong key, wrong AAD, or any altered or truncated byte fails
 * the tag check before a single key is parsed. The AAD names the row (account id + session id),
 * so a blob copied to another row does not open there.
 *
 * Plaintext: uint16 count, then per entry uint16 label length | UTF-8 label | uint32 key length |
 * the private key as a JWK (RFC 7517) in UTF-8 JSON, all big-endian. JWK, not PKCS#8: every
 * request that uses an unlocked key unwraps it, and OpenSSL imports a JWK's parameters about
 * fifty times faster than it decodes PKCS#8 (0.006 ms against 0.34 ms for RSA-2048 here). The
 * JSON passes through JavaScript strings on import, which cannot be wiped; the buffers can,
 * and are.
 */

export interface WrappedKeyEntry {
  /** Which key this is, e.g. its certificate's SHA-256 in hex. */
  label: string;
  key: KeyObject;
}

const VERSION = 0x02;
const IV_LENGTH = 12; // the GCM nonce size that needs no extra hashing (SP 800-38D §8.2)
const TAG_LENGTH = 16;
const KEY_LENGTH = 32;
/** The token is the only secret: under 128 bits it could be guessed from a stolen blob. */
const MIN_TOKEN_BYTES = 16;
const INFO_PREFIX = "sealbox unlock v1 ";

/**
 * HKDF-SHA256 (RFC 5869) of the session token: 32 bytes, empty salt (the token is already
 * uniformly random), info = "sealbox unlock v1 " + context, so one token yields unrelated keys
 * for unrelated uses. A string token is taken as UTF-8.
 */
export function deriveSessionWrappingKey(sessionToken: Uint8Array | string, context: string): Uint8Array {
  const token = typeof sessionToken === "string" ? Buffer.from(sessionToken, "utf8") : sessionToken;
  if (token.length < MIN_TOKEN_BYTES)
    throw new CoreError("invalid-argument", `the session token must be at least ${MIN_TOKEN_BYTES} bytes`);
  const info = Buffer.from(INFO_PREFIX + context, "utf8");
  try {
    return new Uint8Array(hkdfSync("sha256", token, new Uint8Array(0), info, KEY_LENGTH));
  } finally {
    if (typeof sessionToken === "string") token.fill(0);
  }
}

/** Wraps the keys for one session row; a fresh random IV every call. */
export function wrapSessionKeys(
  entries: readonly WrappedKeyEntry[],
  wrappingKey: Uint8Array,
  aad: string,
): Uint8Array {
  checkKey(wrappingKey);
  if (entries.length > 0xffff) throw new CoreError("invalid-argument", "too many keys to wrap");
  const parts: Buffer[] = [u16(entries.length)];
  let plain: Buffer | undefined;
  try {
    for (const { label, key } of entries) {
      if (key.type !== "private") throw new CoreError("invalid-argument", "only private keys are wrapped");
      const name = Buffer.from(label, "utf8");
      if (name.length > 0xffff) throw new CoreError("invalid-argument", "a key label is too long");
      const jwk = Buffer.from(JSON.stringify(key.export({ format: "jwk" })), "utf8");
      parts.push(u16(name.length), name, u32(jwk.length), jwk);
    }
    plain = Buffer.concat(parts);
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv("aes-256-gcm", wrappingKey, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return new Uint8Array(Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]));
  } finally {
    for (const part of parts) part.fill(0);
    plain?.fill(0);
  }
}

/** Opens a blob from wrapSessionKeys; anything that does not authenticate is "locked". */
export function unwrapSessionKeys(blob: Uint8Array, wrappingKey: Uint8Array, aad: string): WrappedKeyEntry[] {
  checkKey(wrappingKey);
  if (blob.length < 1 + IV_LENGTH + TAG_LENGTH || blob[0] !== VERSION) throw invalidSession();
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const decipher = createDecipheriv("aes-256-gcm", wrappingKey, bytes.subarray(1, 1 + IV_LENGTH), {
    authTagLength: TAG_LENGTH,
  });
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_LENGTH));
  // GCM is a stream mode: update() yields all the plaintext, final() only checks the tag. The
  // plaintext is unauthenticated until final() returns, so nothing is parsed before it.
  const plain = decipher.update(bytes.subarray(1 + IV_LENGTH, bytes.length - TAG_LENGTH));
  try {
    try {
      decipher.final();
    } catch {
      throw invalidSession();
    }
    return parsePlaintext(plain);
  } finally {
    plain.fill(0);
  }
}

/** Authenticated but unparsable means we wrote it wrong: still refuse it as a session. */
function parsePlaintext(plain: Buffer): WrappedKeyEntry[] {
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > plain.length) throw invalidSession();
    at += n;
    return plain.subarray(at - n, at);
  };
  const count = take(2).readUInt16BE(0);
  const entries: WrappedKeyEntry[] = [];
  for (let i = 0; i < count; i++) {
    const label = take(take(2).readUInt16BE(0)).toString("utf8");
    const json = take(take(4).readUInt32BE(0));
    try {
      entries.push({
        label,
        key: createPrivateKey({ key: JSON.parse(json.toString("utf8")), format: "jwk" }),
      });
    } catch {
      throw invalidSession();
    }
  }
  if (at !== plain.length) throw invalidSession();
  return entries;
}

function checkKey(wrappingKey: Uint8Array): void {
  if (!(wrappingKey instanceof Uint8Array) || wrappingKey.length !== KEY_LENGTH)
    throw new CoreError("invalid-argument", `the wrapping key must be ${KEY_LENGTH} bytes`);
}

function invalidSession(): CoreError {
  return new CoreError("locked", "the unlocked session is no longer valid; unlock again");
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
