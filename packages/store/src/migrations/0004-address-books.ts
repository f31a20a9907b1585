import { type Kysely, type Migration, sql } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/** Address books, contacts and their certificates. */
export function addressBooks(engine: Engine): Migration {
  const t = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("address_books")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("selected", t.flag, (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addUniqueConstraint("address_books_name", ["account_id", "name"])
        .execute();
      await db.schema
        .createIndex("address_books_one_selected")
        .on("address_books")
        .column("account_id")
        .unique()
        .where(sql<boolean>`selected = 1`)
        .execute();

      await db.schema
        .createTable("contacts")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("book_id", "text", (c) => c.notNull().references("address_books.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("email_lower", "text", (c) => c.notNull())
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("contacts_book_email")
        .on("contacts")
        .columns(["book_id", "email_lower"])
        .execute();
      await db.schema.createIndex("contacts_email").on("contacts").column("email_lower").execute();

      await db.schema
        .createTable("contact_certificates")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("contact_id", "text", (c) => c.notNull().references("contacts.id").onDelete("cascade"))
        .addColumn("certificate", t.blob, (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull())
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("not_after", t.millis, (c) => c.notNull())
        .addColumn("added_at", t.millis, (c) => c.notNull())
        .addUniqueConstraint("contact_certificates_unique", ["contact_id", "sha256"])
        .execute();
      await db.schema
        .createIndex("contact_certificates_email")
        .on("contact_certificates")
        .column("email")
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("contact_certificates").execute();
      await db.schema.dropTable("contacts").execute();
      await db.schema.dropTable("address_books").execute();
    },
  };
}
