import { type Kysely, type Migration, sql } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/**
 * The tables secure mail fills: per-account keys (current and
 * earlier), the server CA, what it issued, and unlock state. No column ever holds a
 * plaintext private key or a password: keys are sealed by core's keyvault before they get here.
 */
export function secureMail(engine: Engine): Migration {
  const t = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("secure_mail_keys")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("certificate", t.blob, (c) => c.notNull())
        .addColumn("certificate_sha256", "text", (c) => c.notNull())
        .addColumn("chain", t.blob, (c) => c.notNull())
        .addColumn("sealed_key", t.blob, (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("not_after", t.millis, (c) => c.notNull())
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addCheckConstraint("secure_mail_keys_state", sql`state in ('current', 'earlier')`)
        .execute();
      // At most one current key per account, enforced by the engine (a partial unique index
      // works the same in SQLite ≥ 3.8 and PostgreSQL).
      await db.schema
        .createIndex("secure_mail_keys_one_current")
        .on("secure_mail_keys")
        .column("account_id")
        .unique()
        .where(sql<boolean>`state = 'current'`)
        .execute();
      await db.schema
        .createIndex("secure_mail_keys_account")
        .on("secure_mail_keys")
        .columns(["account_id", "created_at"])
        .execute();

      await db.schema
        .createTable("server_ca")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("certificate", t.blob, (c) => c.notNull())
        .addColumn("certificate_sha256", "text", (c) => c.notNull().unique())
        .addColumn("chain", t.blob, (c) => c.notNull())
        .addColumn("sealed_key", t.blob, (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("next_crl_number", t.millis, (c) => c.notNull().defaultTo(1))
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addCheckConstraint("server_ca_state", sql`state in ('current', 'earlier')`)
        .addCheckConstraint("server_ca_source", sql`source in ('generated', 'installed')`)
        .execute();
      await db.schema
        .createIndex("server_ca_one_current")
        .on("server_ca")
        .column("state")
        .unique()
        .where(sql<boolean>`state = 'current'`)
        .execute();

      await db.schema
        .createTable("issued_certificates")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("ca_id", "text", (c) => c.notNull().references("server_ca.id").onDelete("cascade"))
        .addColumn("serial", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.references("accounts.id").onDelete("set null"))
        .addColumn("certificate_sha256", "text", (c) => c.notNull())
        .addColumn("issued_at", t.millis, (c) => c.notNull())
        .addColumn("revoked_at", t.millis)
        .addColumn("reason", "text")
        .addUniqueConstraint("issued_certificates_serial", ["ca_id", "serial"])
        .execute();
      await db.schema
        .createIndex("issued_certificates_account")
        .on("issued_certificates")
        .column("account_id")
        .execute();

      await db.schema
        .createTable("unlock_sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("wrapped", t.blob, (c) => c.notNull())
        .addColumn("expires_at", t.millis, (c) => c.notNull())
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("unlock_sessions_expiry")
        .on("unlock_sessions")
        .column("expires_at")
        .execute();
      await db.schema
        .createIndex("unlock_sessions_account")
        .on("unlock_sessions")
        .column("account_id")
        .execute();

      await db.schema
        .createTable("unlock_attempts")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("at", t.millis, (c) => c.notNull())
        .addColumn("ok", t.flag, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("unlock_attempts_account_at")
        .on("unlock_attempts")
        .columns(["account_id", "at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        "unlock_attempts",
        "unlock_sessions",
        "issued_certificates",
        "server_ca",
        "secure_mail_keys",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
