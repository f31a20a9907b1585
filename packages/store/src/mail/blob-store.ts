import { sql } from "kysely";
import type { Executor } from "../context.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";

/**
 * The one interface the raw message bytes go through. Today: the `message_blobs` table, in
 * the caller's transaction, so a message row and its bytes commit or roll back together.
 * An S3-compatible implementation would put before the transaction commits (a rollback
 * leaves an orphan a sweeper removes by age, never a row without bytes) and delete after
 * it commits; `q` is the transaction for implementations that live in the database.
 */
export interface BlobStore {
  put(q: Executor, bytes: Uint8Array, now: number): Promise<string>;
  get(q: Executor, id: string): Promise<Uint8Array>;
  /** A new blob with the same bytes (copying a message must not share bytes an in-place Encrypt later replaces). */
  copy(q: Executor, id: string, now: number): Promise<string>;
  delete(q: Executor, ids: readonly string[]): Promise<void>;
  /** Streams a source into a new blob in the caller's transaction, chunk by chunk (never whole). */
  putStream(
    q: Executor,
    source: AsyncIterable<Uint8Array>,
    now: number,
  ): Promise<{ id: string; size: number }>;
  /** Reads a blob chunk by chunk (one query per chunk / small group; never the whole blob). */
  read(q: Executor, id: string): AsyncIterable<Uint8Array>;
  size(q: Executor, id: string): Promise<number>;
  /**
   * Staged write OUTSIDE the caller's transaction (large deliveries: encrypting 64 MiB must not
   * hold SQLite's write lock): chunks are written in their own short transactions, the blob is
   * marked staged (no message can point at it yet, never listed); `claim(q, ids)` in the commit
   * transaction makes it permanent; `discardStaged` removes it after a failure; staged blobs older
   * than a grace age are swept when the store opens (a crash mid-delivery leaves no half-stored message).
   */
  stage(db: Executor, source: AsyncIterable<Uint8Array>, now: number): Promise<{ id: string; size: number }>;
  claim(q: Executor, ids: readonly string[]): Promise<void>;
  discardStaged(db: Executor, ids: readonly string[]): Promise<void>;
}

export const BLOB_CHUNK_BYTES = 1024 * 1024;

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

export const tableBlobStore: BlobStore = {
  async put(q, bytes, now) {
    const id = newId(now);
    await q
      .insertInto("message_blobs")
      .values({ id, data: bytes, size: bytes.byteLength, created_at: now })
      .execute();
    return id;
  },

  async get(q, id) {
    const row = await q.selectFrom("message_blobs").select("data").where("id", "=", id).executeTakeFirst();
    if (!row) throw new StoreError("not-found", `message bytes ${id} are missing`);
    return row.data;
  },

  async copy(q, id, now) {
    const copy = newId(now);
    // Copied inside the database: the bytes never pass through JavaScript.
    const result = await q
      .insertInto("message_blobs")
      .columns(["id", "data", "size", "created_at"])
      .expression((eb) =>
        eb
          .selectFrom("message_blobs")
          .select([
            sql<string>`cast(${copy} as text)`.as("id"),
            "data",
            "size",
            sql<number>`cast(${now} as bigint)`.as("created_at"),
          ])
          .where("id", "=", id),
      )
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1)
      throw new StoreError("not-found", `message bytes ${id} are missing`);
    return copy;
  },

  // Stand-ins over the one-row table until chunked storage replaces this module: same
  // contract, but whole-blob in memory, and a staged blob is an unreferenced row.
  async putStream(q, source, now) {
    const bytes = await collect(source);
    return { id: await this.put(q, bytes, now), size: bytes.length };
  },

  async *read(q, id) {
    yield await this.get(q, id);
  },

  async size(q, id) {
    return (await this.get(q, id)).byteLength;
  },

  stage(db, source, now) {
    return this.putStream(db, source, now);
  },

  async claim() {},

  discardStaged(db, ids) {
    return this.delete(db, ids);
  },

  async delete(q, ids) {
    if (ids.length === 0) return;
    for (let i = 0; i < ids.length; i += 500) {
      await q
        .deleteFrom("message_blobs")
        .where("id", "in", ids.slice(i, i + 500))
        .execute();
    }
  },
};
