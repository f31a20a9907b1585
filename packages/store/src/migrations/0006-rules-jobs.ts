import { type Kysely, type Migration, sql } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/** Delivery rules and the durable job queue (item 12). */
export function rulesAndJobs(engine: Engine): Migration {
  const t = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("rules")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("domain_id", "text", (c) => c.references("domains.id").onDelete("cascade"))
        .addColumn("account_id", "text", (c) => c.references("accounts.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("priority", "integer")
        .addColumn("match_mode", "text", (c) => c.notNull().defaultTo("all"))
        .addColumn("conditions", "text", (c) => c.notNull())
        .addColumn("actions", "text", (c) => c.notNull())
        .addColumn("stop", t.flag, (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addCheckConstraint(
          "rules_scope",
          sql`(domain_id is null and account_id is not null) or (domain_id is not null and account_id is null)`,
        )
        .addCheckConstraint("rules_priority", sql`priority is null or (priority between 1 and 9)`)
        .addCheckConstraint("rules_match_mode", sql`match_mode in ('all', 'any')`)
        .execute();
      await db.schema
        .createIndex("rules_account_name")
        .on("rules")
        .columns(["account_id", "name"])
        .unique()
        .where(sql<boolean>`account_id is not null`)
        .execute();
      await db.schema
        .createIndex("rules_domain_name")
        .on("rules")
        .columns(["domain_id", "name"])
        .unique()
        .where(sql<boolean>`domain_id is not null`)
        .execute();

      await db.schema
        .createTable("jobs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("payload", t.blob)
        .addColumn("state", "text", (c) => c.notNull().defaultTo("queued"))
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("max_attempts", "integer", (c) => c.notNull())
        .addColumn("run_at", t.millis, (c) => c.notNull())
        .addColumn("lease_until", t.millis)
        .addColumn("leased_by", "text")
        .addColumn("last_error", "text")
        .addColumn("created_at", t.millis, (c) => c.notNull())
        .addColumn("completed_at", t.millis)
        .addCheckConstraint("jobs_state", sql`state in ('queued', 'leased', 'done', 'dead')`)
        .execute();
      // claim: the oldest due queued job of some kinds; release: leases past their time.
      await db.schema.createIndex("jobs_due").on("jobs").columns(["state", "run_at"]).execute();
      await db.schema.createIndex("jobs_lease").on("jobs").columns(["state", "lease_until"]).execute();
      await db.schema.createIndex("jobs_completed").on("jobs").column("completed_at").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("jobs").execute();
      await db.schema.dropTable("rules").execute();
    },
  };
}
