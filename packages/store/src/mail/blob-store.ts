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
