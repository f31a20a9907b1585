import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { StoreError } from "./errors.js";
import { LATEST_SCHEMA_VERSION, migrations } from "./migrations/index.js";
import { parseStoreUrl, type StoreLocation } from "./store-url.js";

export interface Store {
  readonly kind: StoreLocation["kind"];
  /** Number of migrations applied; equals LATEST_SCHEMA_VERSION after open. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
  /** For repositories inside this package only. */
  readonly db: Kysely<unknown>;
}

export interface OpenStoreOptions {
  /** Folder that relative sqlite: paths resolve against (the data folder). */
  base: string;
  /** SQLite busy timeout in ms (several processes share one file). */
  busyTimeoutMs?: number;
}

/**
 * Opens the store and applies any pending migrations: every entry point calls this, so
 * there is no separate init step. SQLite runs in WAL mode with a busy timeout and
 * secure_delete on (deleted plaintext is overwritten, not left in free pages).
 */
export async function openStore(url: string, options: OpenStoreOptions): Promise<Store> {
  const location = parseStoreUrl(url, options.base);
  const db = location.kind === "sqlite" ? openSqlite(location.path, options) : openPostgres(location.url);
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    kind: location.kind,
    db,
    async schemaVersion() {
      const row = await sql<{ n: number | string }>`select count(*) as n from kysely_migration`.execute(db);
      return Number(row.rows[0]?.n ?? 0);
    },
    close: () => db.destroy(),
  };
}

function openSqlite(path: string, options: OpenStoreOptions): Kysely<unknown> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const database = new Database(path);
  database.pragma("journal_mode = WAL");
  database.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  database.pragma("secure_delete = ON");
  database.pragma("foreign_keys = ON");
  database.pragma("synchronous = FULL");
  return new Kysely({ dialect: new SqliteDialect({ database }) });
}

function openPostgres(url: string): Kysely<unknown> {
  return new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10 }) }),
  });
}

async function migrate(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  // Web, worker and CLI may open a fresh SQLite file at the same moment. Each migration is
  // one transaction, so a loser of that race sees "already exists", rolls back, and on the
  // next attempt finds the winner's migrations applied. PostgreSQL takes an advisory lock.
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return;
    if (attempt < 5) {
      await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100));
      continue;
    }
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new StoreError("migration-failed", `migration ${failed} failed: ${String(error)}`, {
      cause: error,
    });
  }
}

export { LATEST_SCHEMA_VERSION };
