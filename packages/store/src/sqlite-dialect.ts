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
    super({ database: withStatementCache(database) });
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
    super({ database: withStatementCache(database) });
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

  /**
   * SQLite rolls a transaction back by itself on some errors (a full disk, an I/O error):
   * a ROLLBACK then fails with "no transaction is active", and that error would replace the
   * one that says what went wrong (SQLITE_FULL), which callers map to "try again later".
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.#database.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/** Most prepared statements kept per connection (the store issues a few hundred distinct ones). */
const STATEMENT_CACHE_SIZE = 512;

/**
 * Kysely prepares every query afresh; preparing costs more than running a small indexed query.
 * Statements are cached by their SQL text (parameters are bound at run time, so the text is
 * the same for every user) and reused: better-sqlite3 runs all() and run() to completion
 * synchronously, so one statement is never in use twice at once. Least recently used first out.
 */
function withStatementCache(database: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql: string): BetterSqlite3.Statement {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
    close(): void {
      cache.clear();
      database.close();
    },
  };
}
