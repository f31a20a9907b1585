import type { Kysely } from "kysely";
import type { ScryptParams } from "./accounts/password-hash.js";
import type { GroupCommit } from "./group-commit.js";
import type { StoreLogger } from "./logger.js";
import type { BlobStore } from "./mail/blob-store.js";
import type { Engine } from "./migrations/column-types.js";
import type { Database } from "./schema.js";

/** What every repository and use-case in this package is built from (one per open store). */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** Epoch milliseconds; injected so tests control time. */
  now(): number;
  readonly logger: StoreLogger;
  readonly blobs: BlobStore;
  /** Cost of new login-password hashes (existing hashes carry their own). */
  readonly passwordHashing: ScryptParams;
  /**
   * Writes that may share a transaction with concurrent ones (deliveries): grouped on SQLite,
   * where every commit is an fsync and writers take turns anyway; separate on PostgreSQL.
   */
  readonly commits: GroupCommit<Database>;
}

/** Anything queries can run on: the database or an open transaction. */
export type Executor = Kysely<Database>;

/**
 * Runs `fn` in one write transaction (BEGIN IMMEDIATE on SQLite, see sqlite-dialect.ts;
 * READ COMMITTED on PostgreSQL, with row locks where a use-case needs them).
 */
export function write<T>(ctx: StoreContext, fn: (trx: Executor) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute(fn);
}

export const toFlag = (value: boolean): 0 | 1 => (value ? 1 : 0);
export const fromFlag = (value: number | boolean): boolean => value === 1 || value === true;
