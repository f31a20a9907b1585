import { type Kysely, type Migration, sql } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/** The chunk size of 0010's move; blob-store.ts's BLOB_CHUNK_BYTES at the time (a shipped migration never changes). */
const CHUNK_BYTES = 1024 * 1024;
/** Blobs moved per round: bounded so the move never holds every message at once. */
const BATCH = 32;

/**
 * Raw message bytes in fixed-size chunks: `message_blobs` keeps one row per blob (size,
 * age, staged flag), `message_blob_chunks` one row per 1 MiB of its bytes, so a message is
 * written and read chunk by chunk and never crosses the driver whole (PostgreSQL had a
 * 50 MB message as one 100 MB hex parameter). `staged` marks a blob written outside the
 * delivering transaction that no message may point at yet (see blob-store.ts).
 *
 * The move runs inside the database (substr of the old column), a batch of blobs at a time,
 * one chunk index per statement; then the old column goes. Zero-length blobs have no chunks.
 */
export function chunkedBlobs(engine: Engine): Migration {
  const t = columnTypes(engine);
  const slice =
    engine === "postgres" ? "substring(data from {start} for {len})" : "substr(data, {start}, {len})";
  const length = engine === "postgres" ? "octet_length(data)" : "length(data)";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("message_blob_chunks")
        .addColumn("blob_id", "text", (c) => c.notNull())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("data", t.blob, (c) => c.notNull())
        .addPrimaryKeyConstraint("message_blob_chunks_pk", ["blob_id", "seq"])
        .execute();
      await db.schema
        .alterTable("message_blobs")
        .addColumn("staged", t.flag, (c) => c.notNull().defaultTo(0))
        .execute();
      // Only staged blobs are ever swept by age; most blobs are not staged.
      await db.schema
        .createIndex("message_blobs_staged")
        .on("message_blobs")
        .columns(["staged", "created_at"])
        .where(sql<boolean>`staged = 1`)
        .execute();

      let after = "";
      for (;;) {
        const { rows } = await sql<{ id: string }>`
          select id from message_blobs where id > ${after} order by id limit ${BATCH}`.execute(db);
        if (rows.length === 0) break;
        const ids = rows.map((r) => r.id);
        after = ids[ids.length - 1] as string;
        for (let seq = 0; ; seq++) {
          const start = seq * CHUNK_BYTES + 1;
          const piece = slice.replace("{start}", String(start)).replace("{len}", String(CHUNK_BYTES));
          const result = await sql`
            insert into message_blob_chunks (blob_id, seq, data)
            select id, ${sql.lit(seq)}, ${sql.raw(piece)} from message_blobs
            where id in (${sql.join(ids)}) and ${sql.raw(length)} >= ${sql.lit(start)}`.execute(db);
          if (Number(result.numAffectedRows ?? 0) === 0) break;
        }
        // SQLite rewrites the table to drop a column: emptied first, the rewrite copies no mail.
        if (engine === "sqlite")
          await sql`update message_blobs set data = x'' where id in (${sql.join(ids)})`.execute(db);
      }
      await db.schema.alterTable("message_blobs").dropColumn("data").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("message_blobs").addColumn("data", t.blob).execute();
      await db.schema.dropIndex("message_blobs_staged").execute();
      await db.schema.alterTable("message_blobs").dropColumn("staged").execute();
      await db.schema.dropTable("message_blob_chunks").execute();
    },
  };
}
