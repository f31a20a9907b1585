import type { StoreLocation } from "../store-url.js";

export type Engine = StoreLocation["kind"];

/**
 * The few places SQLite and PostgreSQL spell a column type differently, decided once.
 * Booleans are integers 0/1 on both engines (schema.ts `Flag`); timestamps are epoch ms
 * in `bigint` (INTEGER affinity in SQLite, int8 in PostgreSQL).
 */
export interface ColumnTypes {
  blob: "blob" | "bytea";
  millis: "bigint";
  flag: "integer";
}

export function columnTypes(engine: Engine): ColumnTypes {
  return { blob: engine === "postgres" ? "bytea" : "blob", millis: "bigint", flag: "integer" };
}
