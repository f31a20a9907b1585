import { sql } from "kysely";
import { type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";
import { clientKey } from "./client-key.js";

/**
 * Limits on failed logins, shared by every way in (web sign-in, SMTP AUTH, the terminal
 * client) because the attempts live in the store. Two counters: per account, so one
 * mailbox's password cannot be guessed from many addresses; per client address, so one
 * client cannot spray guesses across many accounts. Past the free failures inside the
 * window each further attempt waits 2^(n-free) seconds after the last failure, capped.
 */
export const LOGIN_LIMITS = {
  windowMs: 15 * 60_000,
  accountFreeFailures: 5,
  clientFreeFailures: 20,
  maxDelayMs: 15 * 60_000,
} as const;

export interface LoginAttempt {
  /** The password was right: clears the account's failures (the client's stay counted). */
  succeeded(): Promise<void>;
}

function waitFor(failures: number[], free: number, now: number): number {
  if (failures.length < free) return 0;
  const delay = Math.min(1000 * 2 ** (failures.length - free), LOGIN_LIMITS.maxDelayMs);
  return Math.max(0, Math.max(...failures) + delay - now);
}

export function loginGuard(ctx: StoreContext) {
  return {
    /**
     * Refuses with `rate-limited` (message says when to retry) while the account or the client
     * must wait; otherwise records a failure for both BEFORE the password is checked (so
     * guesses sent in parallel are all counted) and returns the attempt.
     */
    async begin(accountKey: string, client: string): Promise<LoginAttempt> {
      const subjects = [`account:${accountKey}`, `client:${clientKey(client)}`];
      const ids = await write(ctx, async (trx) => {
        // Serialise attempts on the same subjects (SQLite: BEGIN IMMEDIATE already does). Under
        // READ COMMITTED, guesses sent in parallel all read the count before any was written and
        // all passed; an unknown address has no row to lock, so the lock is on the subject name,
        // taken in sorted order so two attempts never wait on each other crosswise.
        if (ctx.engine === "postgres")
          for (const subject of [...subjects].sort())
            await sql`select pg_advisory_xact_lock(hashtext(${subject}))`.execute(trx);
        const now = ctx.now();
        const rows = await trx
          .selectFrom("login_attempts")
          .select(["subject", "at"])
          .where("subject", "in", subjects)
          .where("at", ">", now - LOGIN_LIMITS.windowMs)
          .execute();
        const at = (s: string) => rows.filter((r) => r.subject === s).map((r) => r.at);
        const waitMs = Math.max(
          waitFor(at(subjects[0] as string), LOGIN_LIMITS.accountFreeFailures, now),
          waitFor(at(subjects[1] as string), LOGIN_LIMITS.clientFreeFailures, now),
        );
        if (waitMs > 0) {
          const seconds = Math.ceil(waitMs / 1000);
          throw new StoreError(
            "rate-limited",
            `too many failed logins; try again in ${seconds} second${seconds === 1 ? "" : "s"}`,
          );
        }
        await trx
          .deleteFrom("login_attempts")
          .where("at", "<=", now - LOGIN_LIMITS.windowMs)
          .execute();
        const made = subjects.map((subject) => ({ id: newId(now), subject, at: now }));
        await trx.insertInto("login_attempts").values(made).execute();
        return made.map((m) => m.id);
      });
      return {
        succeeded: async () => {
          await write(ctx, async (trx) => {
            await trx
              .deleteFrom("login_attempts")
              .where("subject", "=", subjects[0] as string)
              .execute();
            await trx
              .deleteFrom("login_attempts")
              .where("id", "=", ids[1] as string)
              .execute();
          });
        },
      };
    },
  };
}

export type LoginGuard = ReturnType<typeof loginGuard>;

/** The number of seconds a rate-limited message names, for callers that show a countdown. */
export function retryAfterSeconds(error: StoreError): number | undefined {
  const m = /try again in (\d+) second/.exec(error.message);
  return m ? Number(m[1]) : undefined;
}
