import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { storeInternals } from "../internals.js";
import { silentLogger } from "../logger.js";
import { BLOB_CHUNK_BYTES } from "../mail/blob-store.js";
import { openStore } from "../open-store.js";
import { parseStoreUrl } from "../store-url.js";
import { LATEST_SCHEMA_VERSION, migrationsFor } from "./index.js";

const C = BLOB_CHUNK_BYTES;

/** A database at the schema before chunking (0009), as a store of the previous release left it. */
async function previousRelease(url: string, base: string): Promise<Kysely<unknown>> {
  const location = parseStoreUrl(url, base);
  const db =
    location.kind === "sqlite"
      ? new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(location.path) }) })
      : new Kysely<unknown>({
          dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
        });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(location.kind) },
  });
  const { error } = await migrator.migrateTo("0009-bulk-runs");
  if (error) throw error;
  return db;
}

describe.each(backends)("migration 0010 (chunked blobs) on $name", (backend) => {
  it("moves every existing message's bytes into chunks, byte for byte, in batches", async () => {
    const target = await backend.fresh();
    try {
      const old = await previousRelease(target.url, target.base);
      // More blobs than one batch of the move, with the sizes around the chunk edges.
      const sizes = [
        0,
        1,
        C - 1,
        C,
        C + 1,
        Math.floor(2.5 * C) + 7,
        ...Array.from({ length: 40 }, (_, i) => 100 + i),
      ];
      const blobs = sizes.map((size, i) => ({
        id: `blob-${String(i).padStart(3, "0")}`,
        data: randomBytes(size),
      }));
      for (const blob of blobs)
        await sql`insert into message_blobs (id, data, size, created_at)
          values (${blob.id}, ${blob.data}, ${blob.data.byteLength}, ${1_700_000_000_000})`.execute(old);
      await old.destroy();

      const store = await openStore(target.url, { base: target.base, logger: silentLogger });
      try {
        expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        const blobStore = storeInternals(store).context.blobs;
        for (const blob of blobs) {
          expect(await blobStore.size(storeInternals(store).db, blob.id)).toBe(blob.data.byteLength);
          const chunks: Uint8Array[] = [];
          for await (const chunk of blobStore.read(storeInternals(store).db, blob.id)) chunks.push(chunk);
          expect(
            chunks.map((c) => c.byteLength),
            blob.id,
          ).toEqual(
            Array.from({ length: Math.ceil(blob.data.byteLength / C) }, (_, i) =>
              Math.min(C, blob.data.byteLength - i * C),
            ),
          );
          expect(Buffer.concat(chunks).equals(blob.data), blob.id).toBe(true);
        }
        const staged = await storeInternals(store)
          .db.selectFrom("message_blobs")
          .select("id")
          .where("staged", "=", 1)
          .execute();
        expect(staged).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await target.cleanup();
    }
  }, 120_000);
});
