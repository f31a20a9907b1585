import { randomBytes } from "node:crypto";
import { type Account, accountById, accountFromJoinedRow, DOMAIN_COLUMNS } from "../accounts/accounts.js";
import { type Executor, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newSessionToken, sessionIdOf } from "./session-token.js";
import { deleteExpiredUnlocks, deleteUnlock, deleteUnlocksOf } from "./unlock-rows.js";

/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 12 * 60 * 60_000;
/** …and this long after sign-in, whatever happens. */
export const SESSION_MAX_MS = 7 * 24 * 60 * 60_000;
/** last_seen is written at most this often (a read per request, a write per minute). */
const TOUCH_EVERY_MS = 60_000;

export interface SignedInSession {
  /** The row id (SHA-256 of the token): safe to log, useless to an attacker. */
  id: string;
  account: Account;
  /** The anti-CSRF token state-changing requests must carry. */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

/** Ends an account's sessions and their unlocks, all of them or all but one (the caller's own). */
export async function endSessionsOf(
  trx: Executor,
  accountId: string,
  exceptSessionId?: string,
): Promise<void> {
  let sessions = trx.deleteFrom("sessions").where("account_id", "=", accountId);
  if (exceptSessionId !== undefined) sessions = sessions.where("id", "!=", exceptSessionId);
  await deleteUnlocksOf(trx, accountId, exceptSessionId);
  await sessions.execute();
}

/** The session, its account and the account's domain, in one query (every request asks). */
const sessionWithAccount = hotQuery((db, id: string) =>
  db
    .selectFrom("sessions")
    .innerJoin("accounts", "accounts.id", "sessions.account_id")
    .innerJoin("domains", "domains.id", "accounts.domain_id")
    .selectAll("accounts")
    .select(DOMAIN_COLUMNS)
    .select([
      "sessions.csrf as s_csrf",
      "sessions.created_at as s_created_at",
      "sessions.last_seen_at as s_last_seen_at",
      "sessions.expires_at as s_expires_at",
    ])
    .where("sessions.id", "=", id),
);

/** Whether a session (by id) belongs to the account and has not expired. */
export async function isLiveSessionOf(
  q: Executor,
  accountId: string,
  sessionId: string,
  now: number,
): Promise<boolean> {
  const row = await q
    .selectFrom("sessions")
    .select("id")
    .where("id", "=", sessionId)
    .where("account_id", "=", accountId)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Signed-in sessions as rows, so any number of web processes (and the terminal client)
 * share them. Ending a session also deletes its unlock blob: logout locks Secure Mail.
 */
export function sessionRepository(ctx: StoreContext) {
  async function end(token: string): Promise<void> {
    let id: string;
    try {
      id = sessionIdOf(token);
    } catch {
      return;
    }
    await write(ctx, async (trx) => {
      await deleteUnlock(trx, id);
      await trx.deleteFrom("sessions").where("id", "=", id).execute();
    });
  }

  return {
    /** Opens a session for an account that has just proven its login password. */
    async create(accountId: string, options: { client?: string } = {}) {
      const account = await accountById(ctx.db, accountId);
      if (account.disabled) throw new StoreError("forbidden", `account ${account.address} is disabled`);
      const token = newSessionToken();
      const now = ctx.now();
      const row = {
        id: sessionIdOf(token),
        account_id: accountId,
        csrf: randomBytes(24).toString("base64url"),
        client: (options.client ?? "unknown").slice(0, 100),
        created_at: now,
        last_seen_at: now,
        expires_at: now + SESSION_IDLE_MS,
      };
      await write(ctx, async (trx) => {
        // Old rows of anyone are pruned as sessions are made.
        await trx.deleteFrom("sessions").where("expires_at", "<=", now).execute();
        await deleteExpiredUnlocks(trx, now);
        await trx.insertInto("sessions").values(row).execute();
      });
      const session: SignedInSession = {
        id: row.id,
        account,
        csrf: row.csrf,
        createdAt: now,
        expiresAt: row.expires_at,
      };
      return { token, session };
    },

    /**
     * The session a token names, or undefined when there is none, it expired, or its account
     * was disabled meanwhile (the session is then ended).
     */
    async resolve(token: string): Promise<SignedInSession | undefined> {
      let id: string;
      try {
        id = sessionIdOf(token);
      } catch {
        return undefined;
      }
      const [row] = await sessionWithAccount(ctx.db, id);
      if (!row) return undefined;
      const now = ctx.now();
      if (row.s_expires_at <= now || row.s_created_at + SESSION_MAX_MS <= now) {
        await end(token);
        return undefined;
      }
      const account = accountFromJoinedRow(row);
      if (account.disabled) {
        await end(token);
        return undefined;
      }
      let expiresAt = row.s_expires_at;
      if (now - row.s_last_seen_at >= TOUCH_EVERY_MS) {
        expiresAt = Math.min(now + SESSION_IDLE_MS, row.s_created_at + SESSION_MAX_MS);
        await ctx.db
          .updateTable("sessions")
          .set({ last_seen_at: now, expires_at: expiresAt })
          .where("id", "=", id)
          .execute();
      }
      return { id, account, csrf: row.s_csrf, createdAt: row.s_created_at, expiresAt };
    },

    /** Logout: the session and its unlocked key are gone. Unknown tokens are ignored. */
    end,

    /**
     * Ends every session of an account (password change, account disabled), or every one but
     * `except` (a session id: the one that changed the password stays signed in).
     */
    async endAll(accountId: string, options: { except?: string } = {}): Promise<void> {
      await write(ctx, (trx) => endSessionsOf(trx, accountId, options.except));
    },
  };
}

export type SessionRepository = ReturnType<typeof sessionRepository>;
