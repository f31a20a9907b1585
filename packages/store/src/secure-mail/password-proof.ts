import { CoreError, type Identity, isCoreError, normalizeSecureMailPassword } from "@sealbox/core";
import type { StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { type KeyRow, keyRows, rowIdentity } from "./key-repository.js";
import type { PasswordGuard } from "./password-guard.js";

/** Secure Mail Password checks, every one through the shared rate limit. */
export function passwordProof(ctx: StoreContext, guard: PasswordGuard) {
  /** Proves the Secure Mail Password by unsealing one key; returns that key's identity. */
  async function prove(accountId: string, rows: KeyRow[], password: string): Promise<Identity> {
    const row = rows[0];
    if (!row) throw new StoreError("no-key", "this account has no Secure Mail key");
    const attempt = await guard.begin(accountId);
    let identity: Identity;
    try {
      identity = rowIdentity(row, password);
    } catch (error) {
      // A wrong password stays counted; anything else was no guess.
      if (isCoreError(error, "wrong-password"))
        throw new StoreError("wrong-password", "wrong Secure Mail Password");
      await attempt.abandon();
      throw error;
    }
    await attempt.succeeded();
    return identity;
  }

  return {
    prove,

    /** A new key's password: the existing one when keys exist (proven), else a new one (8–100 characters). */
    async passwordForNewKey(accountId: string, rows: KeyRow[], password: string): Promise<void> {
      if (rows.length > 0) await prove(accountId, rows, password);
      else normalizeSecureMailPassword(password);
    },

    /** Every key the password opens, current first (an earlier key under another password is skipped, logged). */
    async identitiesWithPassword(accountId: string, securePassword: string): Promise<Identity[]> {
      const rows = await keyRows(ctx.db, accountId);
      const first = await prove(accountId, rows, securePassword);
      const rest: Identity[] = [];
      for (const row of rows.slice(1)) {
        try {
          rest.push(rowIdentity(row, securePassword));
        } catch (error) {
          if (!(error instanceof CoreError)) throw error;
          ctx.logger.warn(
            { accountId, keyId: row.id },
            "an earlier Secure Mail key does not open with the current password",
          );
        }
      }
      return [first, ...rest];
    },
  };
}

export type PasswordProof = ReturnType<typeof passwordProof>;
