import { type Kysely, type Migration, sql } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/**
 * Encrypt All / Decrypt All / re-encrypt runs over one mailbox. The row is the run's whole
 * state, so any web process can show its progress and cancel it; the partial unique index
 * lets only one run be `running` per account and mailbox, decided by the database even when
 * two processes start one at the same moment.
 */
export function bulkRuns(engine: Engine): Migration {
  const t = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("bulk_runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("mailbox_id", "text", (c) => c.notNull().references("mailboxes.id").onDelete("cascade"))
        /** "encrypt" | "decrypt" | "re-encrypt". */
        .addColumn("kind", "text", (c) => c.notNull())
        /** "running" | "cancelled" | "done" | "stopped". */
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("cancel_requested", t.flag, (c) => c.notNull().defaultTo(0))
        .addColumn("total", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("done", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("skipped", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("failed", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("error", "text")
        .addColumn("created_at", t.millis, (c) => c.notNull())
        /** The runner's heartbeat: a running row not updated for a while lost its process. */
        .addColumn("updated_at", t.millis, (c) => c.notNull())
        .addColumn("finished_at", t.millis)
        .execute();
      await db.schema
        .createIndex("bulk_runs_one_running")
        .unique()
        .on("bulk_runs")
        .columns(["account_id", "mailbox_id"])
        .where(sql<boolean>`state = 'running'`)
        .execute();
      await db.schema
        .createIndex("bulk_runs_mailbox_created")
        .on("bulk_runs")
        .columns(["account_id", "mailbox_id", "created_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("bulk_runs").execute();
    },
  };
}
