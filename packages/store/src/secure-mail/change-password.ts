import { isCoreError, normalizeSecureMailPassword, resealPrivateKeys, sealPrivateKey } from "@sealbox/core";
import { type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { keyRows, resealKeys } from "./key-repository.js";
import type { PasswordProof } from "./password-proof.js";
import type { KeyAccess, UnlockSessions } from "./unlock-sessions.js";

/**
 * Re-seals the current and every earlier key under the new password, in one transaction.
 * With a session the unlocked keys are sealed anew (the old password is not needed again).
 */
export function changePasswordUseCase(
  ctx: StoreContext,
  deps: { proof: PasswordProof; unlockSessions: UnlockSessions },
) {
  return async function changePassword(
    accountId: string,
    old: KeyAccess,
    newPassword: string,
  ): Promise<void> {
    const rows = await keyRows(ctx.db, accountId);
    let sealed: Uint8Array[];
    if (typeof old !== "string") {
      normalizeSecureMailPassword(newPassword);
      const unlocked = await deps.unlockSessions.identities(accountId, old.sessionToken);
      const byCert = new Map(unlocked.map((i) => [i.certificate.sha256, i]));
      sealed = rows.map((r) => {
        const identity = byCert.get(r.certificate_sha256);
        if (!identity)
          throw new StoreError(
            "conflict",
            "a key is not in the unlocked set (an earlier key under another password?); nothing was changed",
          );
        return sealPrivateKey(identity.privateKey, newPassword);
      });
    } else {
      await deps.proof.prove(accountId, rows, old);
      normalizeSecureMailPassword(newPassword);
      try {
        sealed = resealPrivateKeys(
          rows.map((r) => r.sealed_key),
          old,
          newPassword,
        );
      } catch (error) {
        if (isCoreError(error, "wrong-password"))
          throw new StoreError(
            "conflict",
            "an earlier key is sealed under a different password; nothing was changed",
          );
        throw error;
      }
    }
    await write(ctx, (trx) =>
      resealKeys(
        trx,
        rows.map((r, i) => ({ id: r.id, sealed: sealed[i] as Uint8Array })),
      ),
    );
  };
}
