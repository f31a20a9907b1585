import type { Migration } from "kysely";
import * as m0001 from "./0001-init.js";

/**
 * Every migration, in order. Names are zero-padded so lexical order is version order;
 * the schema version is the number of migrations applied. Append only: never edit or
 * reorder a migration that has shipped.
 */
export const migrations: Record<string, Migration> = {
  "0001-init": m0001,
};

export const LATEST_SCHEMA_VERSION = Object.keys(migrations).length;
