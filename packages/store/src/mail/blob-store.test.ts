import { createHash, randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, testClock } from "../../test/fresh-store.js";
import { storeInternals } from "../internals.js";
import { silentLogger } from "../logger.js";
import { openStore, type Store } from "../open-store.js";
import { copyChunkSql } from "../pg-copy-binary.js";
import { BLOB_CHUNK_BYTES, tableBlobStore as blobs, STAGED_GRACE_MS } from "./blob-store.js";

const C = BLOB_CHUNK_BYTES;
const SIZES = [0, 1, C - 1, C, C + 1, Math.floor(5.5 * C)];

/** Feeds `bytes` in pieces of an awkward size, so re-chunking crosses piece boundaries. */
async function* pieces(bytes: Uint8Array, size = 300_007): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number[] }> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return { bytes: Buffer.concat(parts), chunks: parts.map((p) => p.byteLength) };
}

/** The chunk sizes a blob of `size` bytes must be stored as. */
function expectedChunks(size: number): number[] {
  const out: number[] = [];
  for (let at = 0; at < size; at += C) out.push(Math.min(C, size - at));
  return out;
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe.each(backends)("chunked blob store on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  const clock = testClock();
  beforeAll(async () => {
    fresh = await freshStore(backend, { now: clock.now });
    store = fresh.store;
  });
  afterAll(() => fresh.cleanup());

  const chunkRows = async (id: string) =>
    (
      await storeInternals(store)
        .db.selectFrom("message_blob_chunks")
        .select(["seq", "data"])
        .where("blob_id", "=", id)
        .orderBy("seq")
        .execute()
    ).map((r) => r.data.byteLength);
  const stagedFlag = async (id: string) =>
    (
      await storeInternals(store)
        .db.selectFrom("message_blobs")
        .select("staged")
        .where("id", "=", id)
        .executeTakeFirst()
    )?.staged;

  it.each(SIZES)("put, putStream and stage of %i bytes read back byte for byte", async (size) => {
    const bytes = randomBytes(size);
    const put = await storeInternals(store)
      .db.transaction()
      .execute((trx) => blobs.put(trx, bytes, clock.now()));
    const streamed = await storeInternals(store)
      .db.transaction()
      .execute((trx) => blobs.putStream(trx, pieces(bytes), clock.now()));
    const staged = await blobs.stage(storeInternals(store).db, pieces(bytes, 4096), clock.now());
    expect(streamed.size).toBe(size);
    expect(staged.size).toBe(size);
    await storeInternals(store)
      .db.transaction()
      .execute((trx) => blobs.claim(trx, [staged.id]));
    for (const id of [put, streamed.id, staged.id]) {
      expect(await chunkRows(id)).toEqual(expectedChunks(size));
      expect(await blobs.size(storeInternals(store).db, id)).toBe(size);
      const read = await collect(blobs.read(storeInternals(store).db, id));
      expect(read.chunks).toEqual(expectedChunks(size));
      expect(read.bytes.equals(bytes)).toBe(true);
      expect(Buffer.from(await blobs.get(storeInternals(store).db, id)).equals(bytes)).toBe(true);
    }
    const copy = await storeInternals(store)
      .db.transaction()
      .execute((trx) => blobs.copy(trx, streamed.id, clock.now()));
    await storeInternals(store)
      .db.transaction()
      .execute((trx) => blobs.delete(trx, [put, streamed.id]));
    expect(Buffer.from(await blobs.get(storeInternals(store).db, copy)).equals(bytes)).toBe(true);
    await expect(blobs.get(storeInternals(store).db, streamed.id)).rejects.toMatchObject({
      code: "not-found",
    });
    expect(await chunkRows(streamed.id)).toEqual([]);
  });

  it("streams 64 MiB in and out holding about a chunk, not the message", async () => {
    const total = 64 * C;
    const piece = Buffer.alloc(256 * 1024 + 12);
    let peak = 0;
    const sample = (base: number) => {
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
    };
    // The same piece buffer refilled each time (as a socket reader would): an implementation
    // that kept references instead of copying would store wrong bytes.
    async function* generate(hash: ReturnType<typeof createHash>, base: number) {
      let counter = 0;
      for (let sent = 0; sent < total; ) {
        const n = Math.min(piece.byteLength, total - sent);
        for (let i = 0; i + 4 <= n; i += 4) piece.writeUInt32LE(counter++ >>> 0, i);
        const view = piece.subarray(0, n);
        hash.update(view);
        sent += n;
        sample(base);
        yield view;
      }
    }
    for (const how of ["putStream", "stage"] as const) {
      gc();
      const base = process.memoryUsage().arrayBuffers;
      peak = 0;
      const written = createHash("sha256");
      const result =
        how === "stage"
          ? await blobs.stage(storeInternals(store).db, generate(written, base), clock.now())
          : await storeInternals(store)
              .db.transaction()
              .execute((trx) => blobs.putStream(trx, generate(written, base), clock.now()));
      expect(result.size).toBe(total);
      const read = createHash("sha256");
      let bytes = 0;
      for await (const chunk of blobs.read(storeInternals(store).db, result.id)) {
        read.update(chunk);
        bytes += chunk.byteLength;
        sample(base);
      }
      expect(bytes).toBe(total);
      expect(read.digest("hex"), how).toBe(written.digest("hex"));
      expect(peak, `${how}: ArrayBuffer growth`).toBeLessThan(32 * 1024 * 1024);
      if (how === "stage") await blobs.discardStaged(storeInternals(store).db, [result.id]);
      else
        await storeInternals(store)
          .db.transaction()
          .execute((trx) => blobs.delete(trx, [result.id]));
    }
  }, 300_000);

  it("a staged blob written several chunks at a time reads back in order, byte for byte", async () => {
    // On PostgreSQL chunk writes overlap on several connections and may commit out of order.
    const bytes = randomBytes(7 * BLOB_CHUNK_BYTES + 12_345);
    async function* pieces() {
      for (let at = 0; at < bytes.length; at += 300_007) yield bytes.subarray(at, at + 300_007);
    }
    const staged = await blobs.stage(storeInternals(store).db, pieces(), clock.now());
    expect(staged.size).toBe(bytes.length);
    expect(await chunkRows(staged.id)).toEqual([...Array(7).fill(BLOB_CHUNK_BYTES), 12_345]);
    const back: Buffer[] = [];
    for await (const part of blobs.read(storeInternals(store).db, staged.id)) back.push(Buffer.from(part));
    expect(Buffer.concat(back).equals(bytes)).toBe(true);
    await blobs.discardStaged(storeInternals(store).db, [staged.id]);
  });

  it.runIf(backend.name === "postgres")(
    "on PostgreSQL, a chunk comes back through a binary COPY exactly (every byte value), as the reader gets it",
    async () => {
      const db = storeInternals(store).db;
      const bytes = Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        randomBytes(BLOB_CHUNK_BYTES - 256),
        Buffer.from("\\x00'\"\r\n"),
      ]);
      const id = await blobs.put(db, bytes, clock.now());
      const copy = copyChunkSql(id, 1);
      expect(copy).toMatch(/^\/\* sealbox:copy-binary \*\/ copy \(select data from message_blob_chunks/);
      const { rows } = await db.executeQuery<{ data: Buffer }>(CompiledQuery.raw(copy as string));
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0]?.data ?? []).equals(bytes.subarray(BLOB_CHUNK_BYTES))).toBe(true);
      const back: Buffer[] = [];
      for await (const part of blobs.read(db, id)) back.push(Buffer.from(part));
      expect(Buffer.concat(back).equals(bytes)).toBe(true);
      await blobs.delete(db, [id]);
      // A COPY the server refuses fails like any query, and the connection stays usable.
      const refused = copyChunkSql(id, 0)?.replace("message_blob_chunks", "no_such_table") as string;
      await expect(db.executeQuery(CompiledQuery.raw(refused))).rejects.toThrow(/no_such_table/);
      await expect(
        db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw(refused))),
      ).rejects.toThrow(/no_such_table/);
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
    },
  );

  it.runIf(backend.name === "postgres")(
    "on PostgreSQL, chunk bytes are stored out of line without a compression attempt",
    async () => {
      const { rows } = await sql<{ attstorage: string }>`
        select attstorage from pg_attribute
        where attrelid = 'message_blob_chunks'::regclass and attname = 'data'`.execute(
        storeInternals(store).db,
      );
      expect(rows[0]?.attstorage).toBe("e");
    },
  );

  it("a staged blob stays staged until claimed, and a rolled-back claim leaves it staged", async () => {
    const { id } = await blobs.stage(
      storeInternals(store).db,
      pieces(Buffer.from("staged bytes")),
      clock.now(),
    );
    expect(await stagedFlag(id)).toBe(1);
    await expect(
      storeInternals(store)
        .db.transaction()
        .execute(async (trx) => {
          await blobs.claim(trx, [id]);
          throw new Error("the commit failed");
        }),
    ).rejects.toThrow("the commit failed");
    expect(await stagedFlag(id)).toBe(1);
    await storeInternals(store)
      .db.transaction()
      .execute((trx) => blobs.claim(trx, [id]));
    expect(await stagedFlag(id)).toBe(0);
    // Claimed: neither a discard nor a sweep takes it any more.
    await blobs.discardStaged(storeInternals(store).db, [id]);
    expect(await blobs.sweepStaged(storeInternals(store).db, clock.now() + STAGED_GRACE_MS * 2)).toBe(0);
    expect(Buffer.from(await blobs.get(storeInternals(store).db, id)).toString()).toBe("staged bytes");
  });

  it("discardStaged removes a staged blob and its chunks; a later claim is refused", async () => {
    const { id } = await blobs.stage(storeInternals(store).db, pieces(randomBytes(C + 5)), clock.now());
    expect(await chunkRows(id)).toEqual([C, 5]);
    await blobs.discardStaged(storeInternals(store).db, [id]);
    expect(await stagedFlag(id)).toBeUndefined();
    expect(await chunkRows(id)).toEqual([]);
    await expect(
      storeInternals(store)
        .db.transaction()
        .execute((trx) => blobs.claim(trx, [id])),
    ).rejects.toMatchObject({
      code: "not-found",
    });
  });

  it("a source that fails mid-stage leaves nothing behind", async () => {
    const before = await storeInternals(store).db.selectFrom("message_blobs").select("id").execute();
    async function* failing() {
      yield randomBytes(C + 100);
      throw new Error("the client went away");
    }
    await expect(blobs.stage(storeInternals(store).db, failing(), clock.now())).rejects.toThrow(
      "the client went away",
    );
    expect(await storeInternals(store).db.selectFrom("message_blobs").select("id").execute()).toEqual(before);
    const orphanChunks = await storeInternals(store)
      .db.selectFrom("message_blob_chunks")
      .select("blob_id")
      .where("blob_id", "not in", storeInternals(store).db.selectFrom("message_blobs").select("id"))
      .execute();
    expect(orphanChunks).toEqual([]);
  });

  it("staged blobs older than the grace age are swept, on open too; younger ones stay", async () => {
    const old = await blobs.stage(storeInternals(store).db, pieces(randomBytes(10)), clock.now());
    clock.advance(STAGED_GRACE_MS + 1);
    const young = await blobs.stage(storeInternals(store).db, pieces(randomBytes(10)), clock.now());
    const other = await openStore(fresh.url, { base: fresh.base, logger: silentLogger, now: clock.now });
    try {
      expect(await stagedFlag(old.id)).toBeUndefined();
      expect(await chunkRows(old.id)).toEqual([]);
      expect(await stagedFlag(young.id)).toBe(1);
      clock.advance(STAGED_GRACE_MS + 1);
      expect(await other.sweepStagedBlobs()).toBe(1);
      expect(await stagedFlag(young.id)).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
