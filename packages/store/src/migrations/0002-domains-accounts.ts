import { type Kysely, type Migration, sql } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/** Domains, their trust anchors, and accounts. */
export function domainsAndAccounts(engine: Engine): Migration {
  const t = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("domains")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("smime_enabled", t.flag, (c) => c.notNull().defaultTo(1))
        .addColumn("directory_enabled", t.flag, (c) => c.notNull().defaultTo(1))
        .addColumn("unlock_seconds", "integer", (c) => c.notNull().defaultTo(180))
        .addColumn("allowed_ciphers", "text")
        .addColumn("default_cipher", "text", (c) => c.notNull().defaultTo("AES-256-CBC"))
        .addColumn("hide_subject_when_encrypting", t.flag, (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addCheckConstraint("domains_unlock_seconds", sql`unlock_seconds > 0`)
        .execute();

      await db.schema
        .createTable("trust_anchors")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("domain_id", "text", (c) => c.references("domains.id").onDelete("cascade"))
        .addColumn("certificate", t.blob, (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("added_at", t.millis, (c) => c.notNull())
        .execute();
      // NULL never equals NULL in a unique index, so server-wide and per-domain anchors get one each.
      await db.schema
        .createIndex("trust_anchors_server_unique")
        .on("trust_anchors")
        .column("sha256")
        .unique()
        .where(sql<boolean>`domain_id is null`)
        .execute();
      await db.schema
        .createIndex("trust_anchors_domain_unique")
        .on("trust_anchors")
        .columns(["domain_id", "sha256"])
        .unique()
        .where(sql<boolean>`domain_id is not null`)
        .execute();

      await db.schema
        .createTable("accounts")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("address_lower", "text", (c) => c.notNull().unique())
        .addColumn("domain_id", "text", (c) => c.notNull().references("domains.id").onDelete("restrict"))
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("real_name", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("from_address", "text")
        .addColumn("from_lower", "text")
        .addColumn("encryption_method", "text")
        .addColumn("smime_enabled", t.flag, (c) => c.notNull().defaultTo(1))
        .addColumn("disabled", t.flag, (c) => c.notNull().defaultTo(0))
        .addColumn("role", "text", (c) => c.notNull().defaultTo("user"))
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addCheckConstraint("accounts_role", sql`role in ('user', 'domain-admin', 'server-admin')`)
        .execute();
      await db.schema.createIndex("accounts_domain").on("accounts").column("domain_id").execute();
      await db.schema.createIndex("accounts_from").on("accounts").column("from_lower").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("accounts").execute();
      await db.schema.dropTable("trust_anchors").execute();
      await db.schema.dropTable("domains").execute();
    },
  };
}
