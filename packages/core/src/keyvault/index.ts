export { resealPrivateKeys } from "./reseal-private-keys.js";
export {
  DEFAULT_SCRYPT_N,
  DEFAULT_SEAL_ITERATIONS,
  MIN_SEAL_ITERATIONS,
  type SealOptions,
  sealPrivateKey,
} from "./seal-private-key.js";
export {
  MAX_PASSWORD_CODE_POINTS,
  MIN_PASSWORD_CODE_POINTS,
  normalizeSecureMailPassword,
} from "./secure-mail-password.js";
export {
  deriveSessionWrappingKey,
  unwrapSessionKeys,
  type WrappedKeyEntry,
  wrapSessionKeys,
} from "./session-wrap.js";
export { DEFAULT_UNLOCK_LIFETIME_MS, type UnlockHandle, type UnlockOptions, unlock } from "./unlock.js";
export { MAX_UNSEAL_ITERATIONS, unsealPrivateKey } from "./unseal-private-key.js";
