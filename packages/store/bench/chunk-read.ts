/**
 * Reading a 64 MiB message's bytes back from PostgreSQL: the store's reader (a binary COPY per
 * 1 MiB chunk) beside the plain SELECT of each chunk, which node-postgres receives as hex text.
 * A throwaway cluster on loopback (as the tests start one). Three rounds each, interleaved.
 *
 *   node --conditions=@sealbox/source --import tsx bench/chunk-read.ts
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeInternals } from "../src/internals.js";
import { silentLogger } from "../src/logger.js";
import { BLOB_CHUNK_BYTES, tableBlobStore as blobs } from "../src/mail/blob-store.js";
import { openStore } from "../src/open-store.js";
import { startPostgresCluster } from "../test/postgres-cluster.js";

const SIZE = 64 * 1024 * 1024;
const cluster = await startPostgresCluster();
const base = mkdtempSync(join(tmpdir(), "sealbox-chunk-read-"));
try {
  const store = await openStore(cluster.url, { base, logger: silentLogger });
  const db = storeInternals(store).db;
  const bytes = randomBytes(SIZE);
  const id = await blobs.put(db, bytes, Date.now());
  const copy: number[] = [];
  const hex: number[] = [];
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    const back: Buffer[] = [];
    for await (const part of blobs.read(db, id)) back.push(Buffer.from(part));
    copy.push(performance.now() - t);
    if (!Buffer.concat(back).equals(bytes)) throw new Error("the COPY read gave other bytes");
    t = performance.now();
    for (let seq = 0; seq < SIZE / BLOB_CHUNK_BYTES; seq++)
      await db
        .selectFrom("message_blob_chunks")
        .select("data")
        .where("blob_id", "=", id)
        .where("seq", "=", seq)
        .executeTakeFirstOrThrow();
    hex.push(performance.now() - t);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
  console.log(
    `64 MiB from PostgreSQL, median of 3: binary COPY ${median(copy).toFixed(0)} ms, ` +
      `SELECT as hex ${median(hex).toFixed(0)} ms (${(median(hex) / median(copy)).toFixed(1)}× longer)`,
  );
  await store.close();
} finally {
  await cluster.stop();
  rmSync(base, { recursive: true, force: true });
}
