import type { StoreContext } from "../context.js";
import { decryptInPlaceOp } from "./decrypt-in-place.js";
import { encryptInPlaceOp } from "./encrypt-in-place.js";
import { inPlaceSwap, type KeySource } from "./in-place-swap.js";
import { reEncryptInPlaceOp } from "./re-encrypt-in-place.js";
import type { SecureMail } from "./secure-mail.js";
import type { KeyAccess } from "./unlock-sessions.js";

export type { KeySource } from "./in-place-swap.js";
export type { ReEncryptResult } from "./re-encrypt-in-place.js";

/**
 * Decrypt, Encrypt and re-encrypt in place, one file each, with the keys taken from a
 * KeySource: the bulk runner proves a Secure Mail Password once for a whole run (the check is
 * a deliberately slow KDF), while a session's unlock is asked again for each message, so a
 * lock mid-run is noticed.
 */
export function messageCryptoOps(ctx: StoreContext, secureMail: SecureMail) {
  const swap = inPlaceSwap(ctx, secureMail);
  return {
    decrypt: decryptInPlaceOp(ctx, swap),
    encrypt: encryptInPlaceOp(ctx, swap),
    reEncrypt: reEncryptInPlaceOp(ctx, swap),
  };
}

export type MessageCryptoOps = ReturnType<typeof messageCryptoOps>;

/** The in-place use-cases apps call, each with the Secure Mail Password or an unlocked session. */
export function messageCryptoUseCases(
  ctx: StoreContext,
  secureMail: SecureMail,
  ops: MessageCryptoOps = messageCryptoOps(ctx, secureMail),
) {
  const sourceOf =
    (accountId: string, access: KeyAccess): KeySource =>
    () =>
      secureMail.identities(accountId, access);

  return {
    /** Needs the Secure Mail Password or an unlocked session; tries the current key, then earlier keys. */
    decryptInPlace: (accountId: string, messageId: string, securePassword: KeyAccess) =>
      ops.decrypt(accountId, messageId, sourceOf(accountId, securePassword)),

    /** Encrypts the complete stored message to the account's own certificate; the password is the proof. */
    encryptInPlace: (accountId: string, messageId: string, securePassword: KeyAccess) =>
      ops.encrypt(accountId, messageId, async () => {
        await secureMail.verifyPassword(accountId, securePassword);
        return [];
      }),

    /** After a renewal: an encrypted message sealed anew to the current certificate (skipped when already so). */
    reEncryptInPlace: (accountId: string, messageId: string, access: KeyAccess) =>
      ops.reEncrypt(accountId, messageId, sourceOf(accountId, access)),
  };
}

export type MessageCrypto = ReturnType<typeof messageCryptoUseCases>;
