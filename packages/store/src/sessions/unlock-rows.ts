import type { Executor } from "../context.js";

/**
 * Every query on unlock_sessions (a session's wrapped keys, by session id) except the one
 * that reads them beside the account's key rows (secure-mail/key-repository.ts): the unlock
 * use-cases and the session repository both end unlocks through these.
 */

/** Stores a session's wrapped keys, replacing any earlier unlock of that session. */
export async function putUnlock(
  q: Executor,
  row: { id: string; accountId: string; wrapped: Uint8Array; expiresAt: number; now: number },
): Promise<void> {
  await deleteUnlock(q, row.id);
  await q
    .insertInto("unlock_sessions")
    .values({
      id: row.id,
      account_id: row.accountId,
      wrapped: row.wrapped,
      expires_at: row.expiresAt,
      created_at: row.now,
    })
    .execute();
}

/** Ends one session's unlock (of that account only, when given). */
export async function deleteUnlock(q: Executor, sessionId: string, accountId?: string): Promise<void> {
  let query = q.deleteFrom("unlock_sessions").where("id", "=", sessionId);
  if (accountId !== undefined) query = query.where("account_id", "=", accountId);
  await query.execute();
}

/** Ends every unlock of an account, or all but one session's. */
export async function deleteUnlocksOf(
  q: Executor,
  accountId: string,
  exceptSessionId?: string,
): Promise<void> {
  let query = q.deleteFrom("unlock_sessions").where("account_id", "=", accountId);
  if (exceptSessionId !== undefined) query = query.where("id", "!=", exceptSessionId);
  await query.execute();
}

export async function deleteExpiredUnlocks(q: Executor, now: number): Promise<void> {
  await q.deleteFrom("unlock_sessions").where("expires_at", "<=", now).execute();
}

/** When a session's unlock of the account ends (undefined: not unlocked). */
export async function unlockExpiry(
  q: Executor,
  accountId: string,
  sessionId: string,
): Promise<number | undefined> {
  const row = await q
    .selectFrom("unlock_sessions")
    .select("expires_at")
    .where("id", "=", sessionId)
    .where("account_id", "=", accountId)
    .executeTakeFirst();
  return row?.expires_at;
}

/** How many wrapped key blobs of the account are stored (expired ones until they are swept). */
export async function countUnlocksOf(q: Executor, accountId: string): Promise<number> {
  const rows = await q
    .selectFrom("unlock_sessions")
    .select("id")
    .where("account_id", "=", accountId)
    .execute();
  return rows.length;
}
