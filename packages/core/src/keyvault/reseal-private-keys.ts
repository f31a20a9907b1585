import { randomBytes } from "node:crypto";
import { type SealOptions, sealPrivateKey } from "./seal-private-key.js";
import { normalizeSecureMailPassword } from "./secure-mail-password.js";
import { type DerivedKeyCache, unsealWithCache, wipeCache } from "./unseal-private-key.js";

/**
 * Re-seals every key of a user (current and earlier ones alike) under a new Secure Mail
 * Password: all or nothing — if any key does not open with the old password, it throws
 * CoreError("wrong-password") and returns nothing. The batch shares one fresh salt, so a later
 * unlock derives the key once for all of them (same user, same password: sharing a salt
 * gives an attacker nothing; each key still has its own random IV).
 */
export function resealPrivateKeys(
  sealed: readonly Uint8Array[],
  oldPassword: string,
  newPassword: string,
  options: Omit<SealOptions, "salt"> = {},
): Uint8Array[] {
  normalizeSecureMailPassword(newPassword);
  const cache: DerivedKeyCache = new Map();
  try {
    const keys = sealed.map((s) => unsealWithCache(s, oldPassword, cache));
    const salt = randomBytes(16);
    return keys.map((key) => sealPrivateKey(key, newPassword, { ...options, salt }));
  } finally {
    wipeCache(cache);
  }
}
