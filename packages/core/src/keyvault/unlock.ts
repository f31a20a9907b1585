import type { KeyObject } from "node:crypto";
import { CoreError } from "../errors.js";
import { type DerivedKeyCache, unsealWithCache, wipeCache } from "./unseal-private-key.js";

export const DEFAULT_UNLOCK_LIFETIME_MS = 180_000;

export interface UnlockOptions {
  /** How long the keys stay usable (default 3 minutes). */
  lifetimeMs?: number;
  /** The clock, in ms since the epoch (injected; Date.now in production). */
  now?: () => number;
}

/** Unlocked keys with an expiry; locked is the default state and the end state. */
export interface UnlockHandle {
  /** When the handle locks itself, in the clock's ms. */
  readonly expiresAt: number;
  isLocked(): boolean;
  /** The keys, current first; CoreError("locked") after lock() or expiry. */
  keys(): KeyObject[];
  lock(): void;
}

/**
 * Unseals a user's keys (current first, then earlier ones) with the Secure Mail Password and
 * returns a handle that expires after `lifetimeMs` or on lock(). A wrong password is one
 * error, CoreError("wrong-password"), and unlocks nothing.
 *
 * What lock can and cannot do: every Buffer that held key material here (derived AES keys,
 * decrypted PKCS#8) is zeroed before unlock returns; the handle then holds only node
 * KeyObjects, whose memory lives in OpenSSL and cannot be wiped from JavaScript. lock() drops
 * the handle's references so the keys become garbage; the runtime frees (but does not
 * promise to zero) them later. Keep handles short-lived and never serialise their keys.
 */
export function unlock(
  sealedKeys: readonly Uint8Array[],
  password: string,
  options: UnlockOptions = {},
): UnlockHandle {
  if (sealedKeys.length === 0)
    throw new CoreError("invalid-argument", "unlock needs at least one sealed key");
  const lifetime = options.lifetimeMs ?? DEFAULT_UNLOCK_LIFETIME_MS;
  if (!Number.isFinite(lifetime) || lifetime <= 0)
    throw new CoreError("invalid-argument", `unlock lifetime must be positive, got ${lifetime}`);
  const now = options.now ?? Date.now;
  const cache: DerivedKeyCache = new Map();
  let held: KeyObject[];
  try {
    held = sealedKeys.map((s) => unsealWithCache(s, password, cache));
  } finally {
    wipeCache(cache);
  }
  const expiresAt = now() + lifetime;
  let locked = false;
  const lock = (): void => {
    locked = true;
    held = [];
  };
  const isLocked = (): boolean => {
    if (!locked && now() >= expiresAt) lock();
    return locked;
  };
  return {
    expiresAt,
    isLocked,
    keys: () => {
      if (isLocked())
        throw new CoreError("locked", "the keys are locked (unlock again with the Secure Mail Password)");
      return [...held];
    },
    lock,
  };
}
