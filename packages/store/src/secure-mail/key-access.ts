import type { Identity } from "@sealbox/core";
import type { StoreContext } from "../context.js";
import { keyRows } from "./key-repository.js";
import type { PasswordProof } from "./password-proof.js";
import type { KeyAccess, UnlockSessions } from "./unlock-sessions.js";

/** Opening the account's keys with a KeyAccess: the Secure Mail Password, or a session's unlock. */
export function keyAccessUseCases(
  ctx: StoreContext,
  deps: { proof: PasswordProof; unlockSessions: UnlockSessions },
) {
  const { proof, unlockSessions } = deps;
  return {
    /** Every key, current first: what decryption on behalf of the account tries (proves the password, or uses the session's unlock). */
    async identities(accountId: string, access: KeyAccess): Promise<Identity[]> {
      return typeof access === "string"
        ? proof.identitiesWithPassword(accountId, access)
        : unlockSessions.identities(accountId, access.sessionToken);
    },

    /** Proves the Secure Mail Password or the session's unlock (e.g. before Encrypt in place). */
    async verifyPassword(accountId: string, access: KeyAccess): Promise<void> {
      if (typeof access === "string") await proof.prove(accountId, await keyRows(ctx.db, accountId), access);
      else await unlockSessions.identities(accountId, access.sessionToken);
    },
  };
}
