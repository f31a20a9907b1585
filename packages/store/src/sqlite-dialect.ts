import type BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, type DatabaseConnection, type Driver, SqliteDialect, SqliteDriver } from "kysely";

/**
 * SQLite with every transaction opened as BEGIN IMMEDIATE, waiting for the write lock
 * without blocking the event loop.
 *
 * Why IMMEDIATE: a deferred transaction that reads and then writes fails with
 * SQLITE_BUSY_SNAPSHOT (no busy wait) when another connection committed in between;
 * taking the write lock at BEGIN makes read-modify-write use-cases (claim a job, move a
 * message) serialize instead (https://sqlite.org/lang_transaction.html).
 *
 * Why not busy_timeout alone: better-sqlite3 is synchronous, so SQLite's busy handler
 * sleeps on the JS thread. Two connections in one process (several Store instances, or
 * web and worker in one node) would then deadlock: the waiter blocks the very thread the
 * lock holder needs to finish its transaction. So BEGIN runs with busy_timeout 0 and is
 * retried with an async, jittered back-off up to the configured timeout. Once the lock is
 * held, statements inside the transaction do not wait (WAL readers never block a writer).
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #database: BetterSqlite3.Database;
  readonly #busyTimeoutMs: number;

  constructor(database: BetterSqlite3.Database, busyTimeoutMs: number) {
    super({ database });
    this.#database = database;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#database, this.#busyTimeoutMs);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #database: BetterSqlite3.Database;
  readonly #busyTimeoutMs: number;

  constructor(database: BetterSqlite3.Database, busyTimeoutMs: number) {
    super({ database });
    this.#database = database;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      this.#database.pragma("busy_timeout = 0");
      try {
        await connection.executeQuery(CompiledQuery.raw("begin immediate"));
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      } finally {
        this.#database.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
      }
      const ceiling = Math.min(50, 2 ** Math.min(attempt, 6));
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * ceiling));
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}
