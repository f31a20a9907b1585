import { type Kysely, type Migration, sql } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/**
 * Mailboxes, message metadata and the raw bytes. The bytes live in
 * `message_blobs`, reached only through blob-store.ts, so listing never touches them and an
 * S3-compatible store can take them over later; `messages.blob_id` is therefore not a
 * foreign key.
 */
export function mail(engine: Engine): Migration {
  const t = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("mailboxes")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addUniqueConstraint("mailboxes_name", ["account_id", "name"])
        .execute();

      await db.schema
        .createTable("message_blobs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("data", t.blob, (c) => c.notNull())
        .addColumn("size", "bigint", (c) => c.notNull())
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("messages")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("mailbox_id", "text", (c) => c.notNull().references("mailboxes.id").onDelete("cascade"))
        .addColumn("blob_id", "text", (c) => c.notNull())
        .addColumn("message_id", "text")
        .addColumn("from_text", "text", (c) => c.notNull())
        .addColumn("to_text", "text", (c) => c.notNull())
        .addColumn("cc_text", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("subject_lower", "text", (c) => c.notNull())
        .addColumn("from_lower", "text", (c) => c.notNull())
        .addColumn("date", t.millis, (c) => c.notNull())
        .addColumn("size", "bigint", (c) => c.notNull())
        .addColumn("seen", t.flag, (c) => c.notNull().defaultTo(0))
        .addColumn("flagged", t.flag, (c) => c.notNull().defaultTo(0))
        .addColumn("deleted", t.flag, (c) => c.notNull().defaultTo(0))
        .addColumn("security", "text", (c) => c.notNull().defaultTo("plain"))
        .addColumn("cipher", "text")
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addCheckConstraint(
          "messages_security",
          sql`security in ('plain', 'signed', 'encrypted', 'signed+encrypted')`,
        )
        .execute();
      // The listing index: a page of a 100,000-message mailbox, newest first, is a range
      // scan over (mailbox_id, date, id) with a keyset cursor (message-page.ts).
      await db.schema
        .createIndex("messages_listing")
        .on("messages")
        .columns(["mailbox_id", "date desc", "id desc"])
        .execute();
      // Counting unseen messages per mailbox reads this index only.
      await db.schema.createIndex("messages_unseen").on("messages").columns(["mailbox_id", "seen"]).execute();
      await db.schema.createIndex("messages_blob").on("messages").column("blob_id").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("messages").execute();
      await db.schema.dropTable("message_blobs").execute();
      await db.schema.dropTable("mailboxes").execute();
    },
  };
}
