import { createDecipheriv, type KeyObject } from "node:crypto";
import { berContext, readRoot } from "../asn1/ber-reader.js";
import { CoreError } from "../errors.js";
import { loadPrivateKeyInfo, readEncryptedPrivateKeyInfo } from "../pkcs12/encrypted-private-key-info.js";
import { KdfBudget } from "../pkcs12/kdf-budget.js";
import { deriveKey } from "../pkcs12/pbe-cipher.js";
import { type Pbes2, pbeCost } from "../pkcs12/pbe-scheme.js";

/** A sealed key naming more work than this is refused (a tampered row must not stall the server). */
export const MAX_UNSEAL_ITERATIONS = 10_000_000;

/**
 * Derived keys by KDF parameters, so keys sealed in one batch (same salt) cost one KDF at
 * unlock. Held only for one call and wiped after.
 */
export type DerivedKeyCache = Map<string, Buffer>;

/**
 * Opens a sealed key. Only the form sealPrivateKey writes is accepted (PBES2 with a CBC cipher):
 * the password is NFC UTF-8, never retried in other encodings. Bad padding and undecodable
 * key bytes are the same error, CoreError("wrong-password").
 */
export function unsealPrivateKey(sealed: Uint8Array, password: string): KeyObject {
  const cache: DerivedKeyCache = new Map();
  try {
    return unsealWithCache(sealed, password, cache);
  } finally {
    wipeCache(cache);
  }
}

export function unsealWithCache(sealed: Uint8Array, password: string, cache: DerivedKeyCache): KeyObject {
  const scheme = readSealed(sealed);
  const cacheKey = kdfCacheKey(scheme);
  let key = cache.get(cacheKey);
  if (!key) {
    new KdfBudget(MAX_UNSEAL_ITERATIONS).charge(pbeCost(scheme), "this sealed key");
    const raw = Buffer.from(password.normalize("NFC"), "utf8");
    key = deriveKey(scheme.kdf, raw, scheme.cipher.keyLength);
    raw.fill(0);
    cache.set(cacheKey, key);
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv(scheme.cipher.node as string, key, scheme.iv);
    plain = Buffer.concat([decipher.update(scheme.encryptedData), decipher.final()]);
  } catch {
    throw wrongPassword();
  }
  const loaded = loadPrivateKeyInfo(plain);
  plain.fill(0);
  if (!loaded.ok) throw wrongPassword();
  return loaded.key;
}

function readSealed(sealed: Uint8Array): Pbes2 & { encryptedData: Uint8Array } {
  let parsed: ReturnType<typeof readEncryptedPrivateKeyInfo>;
  try {
    const ctx = berContext({ maxNodes: 1000 });
    parsed = readEncryptedPrivateKeyInfo(sealed, readRoot(sealed, ctx), ctx);
  } catch (error) {
    throw new CoreError("malformed", `not a sealed key: ${(error as Error).message}`, { cause: error });
  }
  const { scheme, encryptedData } = parsed;
  if (scheme.kind !== "pbes2" || scheme.cipher.node === null)
    throw new CoreError("unsupported-algorithm", "a sealed key must use PBES2 with AES or 3DES");
  return { ...scheme, encryptedData };
}

/** Identifies a derivation: same KDF, parameters, salt and output length give the same key. */
function kdfCacheKey(scheme: Pbes2): string {
  const k = scheme.kdf;
  const params = k.kind === "pbkdf2" ? `${k.iterations}:${k.prf.name}` : `${k.n}:${k.r}:${k.p}`;
  return `${k.kind}:${params}:${Buffer.from(k.salt).toString("hex")}:${scheme.cipher.keyLength}`;
}

function wrongPassword(): CoreError {
  return new CoreError("wrong-password", "the Secure Mail Password is wrong");
}

export function wipeCache(cache: DerivedKeyCache): void {
  for (const key of cache.values()) key.fill(0);
  cache.clear();
}
