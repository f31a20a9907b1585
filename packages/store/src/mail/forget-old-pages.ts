import { sql } from "kysely";
import type { StoreContext } from "../context.js";

/**
 * After an in-place Encrypt (or a plaintext draft replaced by an encrypted one), a delete
 * (message, expunge, Trash emptied, mailbox, account) or a job's payload purge, the old bytes
 * may not stay readable in the database files. SQLite:
 * secure_delete (set on every connection at open) zeroes the freed pages, but the WAL still
 * holds the old page images until a checkpoint copies the zeroed pages into the main file
 * and TRUNCATE empties the log. A reader still inside an older snapshot (a listing in the
 * web process) makes the checkpoint report busy; waiting for it with SQLite's own busy
 * handler would block this thread — and a reader on this same thread forever — so the
 * busy timeout is 0 and the checkpoint is retried asynchronously until the connection's
 * busy timeout has passed. PostgreSQL: the dead tuple stays in the heap (and TOAST) until
 * VACUUM reclaims it (autovacuum, typically within minutes; see README "Data at rest").
 */
export async function forgetOldPages(ctx: StoreContext): Promise<void> {
  if (ctx.engine !== "sqlite") return;
  const started = Date.now();
  let patienceMs = 10_000;
  for (let attempt = 0; ; attempt++) {
    let busy: boolean;
    try {
      busy = await ctx.db.connection().execute(async (conn) => {
        const timeout = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(conn);
        patienceMs = Number(timeout.rows[0]?.timeout ?? patienceMs);
        await sql`PRAGMA busy_timeout = 0`.execute(conn);
        try {
          const result = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(conn);
          return Number(result.rows[0]?.busy ?? 1) !== 0;
        } finally {
          await sql.raw(`PRAGMA busy_timeout = ${Math.trunc(patienceMs)}`).execute(conn);
        }
      });
    } catch (error) {
      if (!String((error as { code?: unknown }).code ?? "").startsWith("SQLITE_BUSY")) {
        ctx.logger.warn({ error: String(error) }, "WAL checkpoint after a delete or in-place change failed");
        return;
      }
      busy = true;
    }
    if (!busy) return;
    if (Date.now() - started >= patienceMs) {
      ctx.logger.warn(
        { waitedMs: Date.now() - started },
        "WAL checkpoint after a delete or in-place change stayed busy; old pages leave the WAL at the next checkpoint",
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * Math.min(100, 2 ** attempt)));
  }
}
