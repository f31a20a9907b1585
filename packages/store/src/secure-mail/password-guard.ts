import { lockAccountRow } from "../accounts/accounts.js";
import { type Executor, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";

/** Failures allowed inside the window before delays start. */
export const FREE_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** The delay doubles per failure past the free ones, capped here. */
export const MAX_DELAY_MS = 15 * 60_000;

/** One Secure Mail Password check in progress (see passwordGuard). */
export interface UnlockAttempt {
  /** The password was right: clears the account's failures. */
  succeeded(): Promise<void>;
  /** The check could not be made (not a wrong password, e.g. a damaged row): forget the attempt. */
  abandon(): Promise<void>;
}

/**
 * Rate limit for Secure Mail Password checks, shared by every entry point (web, CLI,
 * worker) because the attempts live in the store: after 5 failures in 15 minutes each
 * further attempt must wait 2^(n-5) seconds after the last failure (1 s, 2 s, 4 s … 15 min).
 * Stops online guessing of the password that protects the private key.
 *
 * An attempt is counted as a failure when it BEGINS, in the same write transaction as the
 * check (serialised per account: BEGIN IMMEDIATE on SQLite, a row lock on PostgreSQL), and
 * cleared only when it succeeds. Counting after the ~150 ms KDF let any number of guesses
 * sent in parallel all pass the check before the first failure was written.
 */
export function passwordGuard(ctx: StoreContext) {
  /** The account's failures still inside the window, newest first. */
  const failuresInWindow = (q: Executor, accountId: string, now: number) =>
    q
      .selectFrom("unlock_attempts")
      .select(["at"])
      .where("account_id", "=", accountId)
      .where("ok", "=", 0)
      .where("at", ">", now - FAILURE_WINDOW_MS)
      .orderBy("at", "desc")
      .execute();

  return {
    /** How many wrong passwords count against the account now, and when the last one was. */
    async recentFailures(accountId: string): Promise<{ count: number; lastAt: number | null }> {
      const failures = await failuresInWindow(ctx.db, accountId, ctx.now());
      return { count: failures.length, lastAt: failures[0]?.at ?? null };
    },

    /** Refuses with `rate-limited` while the account must wait; otherwise starts an attempt. */
    async begin(accountId: string): Promise<UnlockAttempt> {
      const attemptId = await write(ctx, async (trx) => {
        if (ctx.engine === "postgres") await lockAccountRow(trx, accountId);
        const now = ctx.now();
        const failures = await failuresInWindow(trx, accountId, now);
        if (failures.length >= FREE_FAILURES) {
          const delay = Math.min(1000 * 2 ** (failures.length - FREE_FAILURES), MAX_DELAY_MS);
          const waitUntil = (failures[0]?.at ?? now) + delay;
          if (now < waitUntil) {
            const seconds = Math.ceil((waitUntil - now) / 1000);
            throw new StoreError(
              "rate-limited",
              `too many wrong Secure Mail Passwords; try again in ${seconds} second${seconds === 1 ? "" : "s"}`,
            );
          }
        }
        // Rows that left the window are pruned as we go.
        await trx
          .deleteFrom("unlock_attempts")
          .where("at", "<=", now - FAILURE_WINDOW_MS)
          .execute();
        const id = newId(now);
        await trx
          .insertInto("unlock_attempts")
          .values({ id, account_id: accountId, at: now, ok: 0 })
          .execute();
        return id;
      });
      return {
        // A success clears the slate.
        succeeded: async () => {
          await ctx.db
            .deleteFrom("unlock_attempts")
            .where("account_id", "=", accountId)
            .where("ok", "=", 0)
            .execute();
        },
        abandon: async () => {
          await ctx.db.deleteFrom("unlock_attempts").where("id", "=", attemptId).execute();
        },
      };
    },
  };
}

export type PasswordGuard = ReturnType<typeof passwordGuard>;
