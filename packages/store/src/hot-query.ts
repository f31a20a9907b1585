import { type Compilable, CompiledQuery, type Kysely } from "kysely";
import type { Database } from "./schema.js";

/** Stands in for value `i` while the query is built once; never reaches the database. */
const MARK = "\u0000sealbox hot-query value ";

interface Compiled {
  sql: string;
  parameters: readonly unknown[];
  /** For each parameter, the index of the value that replaces it, or -1 for a constant. */
  slots: number[];
}

/**
 * A query on a path every request takes (reading a message, resolving a session), built and
 * compiled once per database and then run with each call's values: building and compiling a
 * Kysely query costs more CPU than SQLite spends running a small indexed one.
 *
 * `build` gets stand-ins for the values and must only place them in the query as values (in
 * where, join or select clauses), never branch on them or change the query's shape with
 * them: the SQL text is fixed by the first build. A value that does not come out as exactly
 * one bound parameter (inlined, transformed, or unused) is refused when the query is first
 * compiled, so a misuse fails at once instead of binding the wrong value.
 */
export function hotQuery<V extends readonly unknown[], Row>(
  build: (db: Kysely<Database>, ...values: V) => Compilable<Row>,
): (db: Kysely<Database>, ...values: V) => Promise<Row[]> {
  // By the database's adapter: the same for the database and its transactions, one per store.
  const compiled = new WeakMap<object, Compiled>();
  return async (db, ...values) => {
    const adapter = db.getExecutor().adapter;
    let query = compiled.get(adapter);
    if (!query) {
      query = compile(db, build, values.length);
      compiled.set(adapter, query);
    }
    const { slots } = query;
    const parameters = query.parameters.map((p, i) => {
      const slot = slots[i] as number;
      return slot < 0 ? p : values[slot];
    });
    const result = await db.executeQuery<Row>(CompiledQuery.raw(query.sql, parameters));
    return result.rows;
  };
}

function compile<V extends readonly unknown[], Row>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, ...values: V) => Compilable<Row>,
  count: number,
): Compiled {
  const marks = Array.from({ length: count }, (_, i) => `${MARK}${i}`);
  const { sql, parameters } = build(db, ...(marks as unknown as V)).compile();
  const slots = parameters.map((p) => (typeof p === "string" ? marks.indexOf(p) : -1));
  for (let i = 0; i < count; i++)
    if (!slots.includes(i)) throw new Error(`hotQuery: value ${i} is not a bound parameter of ${sql}`);
  if (sql.includes(MARK)) throw new Error(`hotQuery: a value was written into the SQL text: ${sql}`);
  return { sql, parameters, slots };
}
