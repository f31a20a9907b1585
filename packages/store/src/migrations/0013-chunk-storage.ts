import { type Kysely, type Migration, sql } from "kysely";
import type { Engine } from "./column-types.js";

/**
 * PostgreSQL: chunk bytes are stored out of line without trying to compress them (STORAGE
 * EXTERNAL). Most large messages are encrypted or already-encoded attachments that do not
 * compress, and the attempt cost a measurable share of each chunk's write. Rows written
 * before keep their form; both read the same. SQLite has no such setting.
 */
export function chunkStorage(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (engine !== "postgres") return;
      await sql`alter table message_blob_chunks alter column data set storage external`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      if (engine !== "postgres") return;
      await sql`alter table message_blob_chunks alter column data set storage extended`.execute(db);
    },
  };
}
