import type { Kysely, Migration } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/**
 * Signed-in sessions (web and terminal client) and the login guard's attempts. A session row
 * is keyed by the SHA-256 of a random token that only the client holds; the unlock blob of
 * the same session (unlock_sessions, 0003) uses the same id.
 */
export function webSessions(engine: Engine): Migration {
  const t = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("csrf", "text", (c) => c.notNull())
        .addColumn("client", "text", (c) => c.notNull())
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addColumn("last_seen_at", t.millis, (c) => c.notNull())
        .addColumn("expires_at", t.millis, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("sessions_account").on("sessions").column("account_id").execute();
      await db.schema.createIndex("sessions_expiry").on("sessions").column("expires_at").execute();

      await db.schema
        .createTable("login_attempts")
        .addColumn("id", "text", (c) => c.primaryKey())
        /** "account:<lowercased address>" or "client:<address>". */
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("at", t.millis, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("login_attempts_subject_at")
        .on("login_attempts")
        .columns(["subject", "at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("login_attempts").execute();
      await db.schema.dropTable("sessions").execute();
    },
  };
}
