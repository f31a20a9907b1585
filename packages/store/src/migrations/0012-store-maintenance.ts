import type { Kysely, Migration } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/**
 * One row per maintenance step done over existing data that needs code outside the database
 * (core's classifier), so it runs at a store's open only until it has finished once, not at
 * every open of every process (the CLI opens the store per command).
 */
export function storeMaintenance(engine: Engine): Migration {
  const t = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("store_maintenance")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("done_at", t.millis, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("store_maintenance").execute();
    },
  };
}
