import type { Kysely, Migration } from "kysely";
import { columnTypes, type Engine } from "./column-types.js";

/**
 * Settings → Compose defaults for new messages (Always Sign, Encrypt When Possible), and an
 * explicit order for rules of equal priority, so Move Up / Move Down can reorder them
 * without rewriting their creation times.
 */
export function composeDefaultsRuleOrder(engine: Engine): Migration {
  const t = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("accounts")
        .addColumn("always_sign", t.flag, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable("accounts")
        .addColumn("encrypt_when_possible", t.flag, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable("rules")
        .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("rules").dropColumn("position").execute();
      await db.schema.alterTable("accounts").dropColumn("encrypt_when_possible").execute();
      await db.schema.alterTable("accounts").dropColumn("always_sign").execute();
    },
  };
}
