import type { StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";

/** Failures allowed inside the window before delays start (issue #5 item 5). */
export const FREE_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** The delay doubles per failure past the free ones, capped here. */
export const MAX_DELAY_MS = 15 * 60_000;

/**
 * Rate limit for Secure Mail Password checks, shared by every entry point (web, CLI,
 * worker) because the attempts live in the store: after 5 failures in 15 minutes each
 * further attempt must wait 2^(n-5) seconds after the last failure (1 s, 2 s, 4 s … 15 min).
 * Stops online guessing of the password that protects the private key.
 */
export function passwordGuard(ctx: StoreContext) {
  return {
    async check(accountId: string): Promise<void> {
      const now = ctx.now();
      const failures = await ctx.db
        .selectFrom("unlock_attempts")
        .select(["at"])
        .where("account_id", "=", accountId)
        .where("ok", "=", 0)
        .where("at", ">", now - FAILURE_WINDOW_MS)
        .orderBy("at", "desc")
        .execute();
      if (failures.length < FREE_FAILURES) return;
      const delay = Math.min(1000 * 2 ** (failures.length - FREE_FAILURES), MAX_DELAY_MS);
      const waitUntil = (failures[0]?.at ?? now) + delay;
      if (now < waitUntil) {
        const seconds = Math.ceil((waitUntil - now) / 1000);
        throw new StoreError(
          "rate-limited",
          `too many wrong Secure Mail Passwords; try again in ${seconds} second${seconds === 1 ? "" : "s"}`,
        );
      }
    },

    async record(accountId: string, ok: boolean): Promise<void> {
      const now = ctx.now();
      await ctx.db
        .insertInto("unlock_attempts")
        .values({ id: newId(now), account_id: accountId, at: now, ok: ok ? 1 : 0 })
        .execute();
      if (ok) {
        // A success clears the slate; old rows are pruned as they leave the window.
        await ctx.db
          .deleteFrom("unlock_attempts")
          .where("account_id", "=", accountId)
          .where("ok", "=", 0)
          .execute();
      }
      await ctx.db
        .deleteFrom("unlock_attempts")
        .where("at", "<", now - FAILURE_WINDOW_MS)
        .execute();
    },
  };
}

export type PasswordGuard = ReturnType<typeof passwordGuard>;
