import { CompiledQuery, PostgresAdapter, sql } from "kysely";
import type { Executor } from "../context.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import { copyChunkSql } from "../pg-copy-binary.js";

/**
 * The one interface the raw message bytes go through. Today: the `message_blobs` table (one
 * row per blob) and `message_blob_chunks` (its bytes, BLOB_CHUNK_BYTES per row), in the
 * caller's transaction, so a message row and its bytes commit or roll back together.
 * An S3-compatible implementation would put before the transaction commits (a rollback
 * leaves an orphan a sweeper removes by age, never a row without bytes) and delete after
 * it commits; `q` is the transaction for implementations that live in the database.
 */
export interface BlobStore {
  /** In the caller's transaction (small messages). */
  put(q: Executor, bytes: Uint8Array, now: number): Promise<string>;
  /** Whole (small uses, tests). */
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
  /** Removes staged blobs created before `before` (epoch ms), each in its own transaction; returns how many. */
  sweepStaged(db: Executor, before: number): Promise<number>;
}

export const BLOB_CHUNK_BYTES = 1024 * 1024;

/** How long a staged blob may wait for its claim before a sweep takes it (a delivery never takes this long). */
export const STAGED_GRACE_MS = 60 * 60 * 1000;

/** Ids per IN list: well under SQLite's bound-parameter limit. */
const ID_BATCH = 500;

/**
 * Cuts a stream of any-size pieces into BLOB_CHUNK_BYTES chunks, holding at most one chunk
 * being filled plus the incoming piece: a piece that already spans whole chunks is passed on
 * as views of itself, not copied. With `depth` 0, `write` is awaited before the buffer is
 * refilled, so the buffer handed to it may be reused afterwards (both drivers have copied it by
 * then). With `depth` n > 0, up to n writes run while the next chunk is filled (n + 1 chunks in
 * memory at most; the source's pieces are copied, since a producer may reuse them): PostgreSQL
 * then writes on several connections — and cores — while the source makes the next chunk.
 */
async function rechunk(
  source: AsyncIterable<Uint8Array>,
  write: (seq: number, chunk: Uint8Array) => Promise<void>,
  depth = 0,
): Promise<number> {
  const overlap = depth > 0;
  let buffer = Buffer.allocUnsafe(BLOB_CHUNK_BYTES);
  let filled = 0;
  let seq = 0;
  let size = 0;
  // Oldest first; a failure is rethrown when its write is awaited.
  const inFlight: Array<Promise<void>> = [];
  const emit = async (chunk: Uint8Array) => {
    if (!overlap) return write(seq++, chunk);
    while (inFlight.length >= depth) await inFlight.shift();
    const written = write(seq++, chunk);
    // Observed here so a failure is never unhandled; it is rethrown when awaited above or below.
    written.catch(() => {});
    inFlight.push(written);
  };
  try {
    for await (const piece of source) {
      if (!(piece instanceof Uint8Array)) throw new TypeError("a blob source must yield Uint8Array pieces");
      size += piece.byteLength;
      let at = 0;
      while (at < piece.byteLength) {
        if (filled === 0 && piece.byteLength - at >= BLOB_CHUNK_BYTES) {
          const whole = piece.subarray(at, at + BLOB_CHUNK_BYTES);
          await emit(overlap ? Buffer.from(whole) : whole);
          at += BLOB_CHUNK_BYTES;
          continue;
        }
        const n = Math.min(BLOB_CHUNK_BYTES - filled, piece.byteLength - at);
        buffer.set(piece.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === BLOB_CHUNK_BYTES) {
          await emit(buffer);
          if (overlap) buffer = Buffer.allocUnsafe(BLOB_CHUNK_BYTES);
          filled = 0;
        }
      }
    }
    if (filled > 0) await emit(buffer.subarray(0, filled));
    while (inFlight.length > 0) await inFlight.shift();
    return size;
  } catch (error) {
    // No write may outlive the failure: the caller discards what was written.
    await Promise.allSettled(inFlight);
    throw error;
  }
}

/** Drivers bind Buffers as binary (node-pg sends them as binary parameters, not hex text). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Chunk writes a PostgreSQL staging keeps in flight (each on its own pooled connection). */
const PG_STAGE_DEPTH = 3;

/** A chunk's commit does not wait for its WAL flush (PostgreSQL; see stage). */
const ASYNC_COMMIT = CompiledQuery.raw("set local synchronous_commit = off");

// Compiled once: every stored message writes a blob row and at least one chunk.
const insertBlobRow = hotQuery((db, id: string, size: number, created_at: number) =>
  db.insertInto("message_blobs").values({ id, size, created_at }),
);
const insertChunk = hotQuery((db, blob_id: string, seq: number, data: Buffer) =>
  db.insertInto("message_blob_chunks").values({ blob_id, seq, data }),
);

const PG_PUT_ONE_CHUNK =
  "with blob as (insert into message_blobs (id, size, created_at) values ($1, $2, $3)) " +
  "insert into message_blob_chunks (blob_id, seq, data) values ($1, 0, $4)";

async function writeChunk(q: Executor, blobId: string, seq: number, data: Uint8Array): Promise<void> {
  await insertChunk(q, blobId, seq, asBuffer(data));
}

const missing = (id: string) => new StoreError("not-found", `message bytes ${id} are missing`);

async function deleteBlobs(q: Executor, ids: readonly string[], onlyStaged: boolean): Promise<void> {
  for (let i = 0; i < ids.length; i += ID_BATCH) {
    const batch = ids.slice(i, i + ID_BATCH);
    let rows = q.deleteFrom("message_blobs").where("id", "in", batch);
    if (onlyStaged) rows = rows.where("staged", "=", 1);
    const removed = await rows.returning("id").execute();
    if (removed.length === 0) continue;
    await q
      .deleteFrom("message_blob_chunks")
      .where(
        "blob_id",
        "in",
        removed.map((r) => r.id),
      )
      .execute();
  }
}

async function blobSize(q: Executor, id: string): Promise<number> {
  const row = await q.selectFrom("message_blobs").select("size").where("id", "=", id).executeTakeFirst();
  if (!row) throw missing(id);
  return Number(row.size);
}

/** One query per chunk: a reader holds one chunk, and no lock is held between chunks. */
async function* readChunks(q: Executor, id: string): AsyncGenerator<Uint8Array> {
  yield* readChunksOfSize(q, id, await blobSize(q, id));
}

/**
 * readChunks when the blob's size is known; on PostgreSQL each chunk comes by a binary COPY
 * (pg-copy-binary.ts), never as hex.
 */
export async function* readChunksOfSize(q: Executor, id: string, size: number): AsyncGenerator<Uint8Array> {
  const count = Math.ceil(size / BLOB_CHUNK_BYTES);
  const postgres = q.getExecutor().adapter instanceof PostgresAdapter;
  for (let seq = 0; seq < count; seq++) {
    const copy = postgres ? copyChunkSql(id, seq) : undefined;
    const row = copy
      ? (await q.executeQuery<{ data: Uint8Array | null }>(CompiledQuery.raw(copy))).rows[0]
      : await q
          .selectFrom("message_blob_chunks")
          .select("data")
          .where("blob_id", "=", id)
          .where("seq", "=", seq)
          .executeTakeFirst();
    if (!row?.data) throw missing(id);
    yield row.data;
  }
}

async function discardStaged(db: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.transaction().execute((trx) => deleteBlobs(trx, ids, true));
}

export const tableBlobStore: BlobStore = {
  async put(q, bytes, now) {
    const id = newId(now);
    const oneChunk = bytes.byteLength > 0 && bytes.byteLength <= BLOB_CHUNK_BYTES;
    if (oneChunk && q.getExecutor().adapter instanceof PostgresAdapter) {
      // One statement for the row and its one chunk: one round trip less per stored copy.
      await q.executeQuery(CompiledQuery.raw(PG_PUT_ONE_CHUNK, [id, bytes.byteLength, now, asBuffer(bytes)]));
      return id;
    }
    await insertBlobRow(q, id, bytes.byteLength, now);
    for (let at = 0, seq = 0; at < bytes.byteLength; at += BLOB_CHUNK_BYTES, seq++)
      await writeChunk(q, id, seq, bytes.subarray(at, at + BLOB_CHUNK_BYTES));
    return id;
  },

  async putStream(q, source, now) {
    const id = newId(now);
    const size = await rechunk(source, (seq, chunk) => writeChunk(q, id, seq, chunk));
    await q.insertInto("message_blobs").values({ id, size, created_at: now }).execute();
    return { id, size };
  },

  read: readChunks,

  async get(q, id) {
    const size = await blobSize(q, id);
    const whole = new Uint8Array(size);
    let at = 0;
    for await (const chunk of readChunksOfSize(q, id, size)) {
      if (at + chunk.byteLength > size) throw missing(id);
      whole.set(chunk, at);
      at += chunk.byteLength;
    }
    if (at !== size) throw missing(id);
    return whole;
  },

  size: blobSize,

  async copy(q, id, now) {
    const copy = newId(now);
    // Copied inside the database: the bytes never pass through JavaScript.
    const result = await q
      .insertInto("message_blobs")
      .columns(["id", "size", "created_at"])
      .expression((eb) =>
        eb
          .selectFrom("message_blobs")
          .select([
            sql<string>`cast(${copy} as text)`.as("id"),
            "size",
            sql<number>`cast(${now} as bigint)`.as("created_at"),
          ])
          .where("id", "=", id),
      )
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) throw missing(id);
    await q
      .insertInto("message_blob_chunks")
      .columns(["blob_id", "seq", "data"])
      .expression((eb) =>
        eb
          .selectFrom("message_blob_chunks")
          .select([sql<string>`cast(${copy} as text)`.as("blob_id"), "seq", "data"])
          .where("blob_id", "=", id),
      )
      .execute();
    return copy;
  },

  async delete(q, ids) {
    await deleteBlobs(q, ids, false);
  },

  async stage(db, source, now) {
    const id = newId(now);
    // The row first, staged: a crash after any chunk leaves something the sweep finds.
    await db
      .transaction()
      .execute((trx) =>
        trx.insertInto("message_blobs").values({ id, size: 0, created_at: now, staged: 1 }).execute(),
      );
    try {
      // One short transaction per chunk: SQLite's write lock is held per chunk, never
      // while the source (an encryptor, the network) produces the next one. On PostgreSQL the
      // chunk commits need not wait for their WAL flush: the claim's own (synchronous) commit
      // flushes the WAL up to its commit record, which every chunk written before it precedes,
      // and a blob nobody claimed is swept anyway. So chunks are written while the next is made.
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      const size = await rechunk(
        source,
        (seq, chunk) =>
          db.transaction().execute(async (trx) => {
            if (postgres) await trx.executeQuery(ASYNC_COMMIT);
            await writeChunk(trx, id, seq, chunk);
          }),
        postgres ? PG_STAGE_DEPTH : 0,
      );
      await db
        .transaction()
        .execute((trx) => trx.updateTable("message_blobs").set({ size }).where("id", "=", id).execute());
      return { id, size };
    } catch (error) {
      await discardStaged(db, [id]).catch(() => {});
      throw error;
    }
  },

  async claim(q, ids) {
    for (let i = 0; i < ids.length; i += ID_BATCH) {
      const batch = ids.slice(i, i + ID_BATCH);
      const result = await q
        .updateTable("message_blobs")
        .set({ staged: 0 })
        .where("id", "in", batch)
        .where("staged", "=", 1)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== new Set(batch).size)
        throw new StoreError("not-found", "a staged message blob is missing (discarded or swept)");
    }
  },

  discardStaged,

  async sweepStaged(db, before) {
    const rows = await db
      .selectFrom("message_blobs")
      .select("id")
      .where("staged", "=", 1)
      .where("created_at", "<", before)
      .execute();
    for (const row of rows) await discardStaged(db, [row.id]);
    return rows.length;
  },
};
