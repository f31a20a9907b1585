import type { Kysely } from "kysely";
import type { StoreContext } from "./context.js";
import type { Store } from "./open-store.js";
import type { Database } from "./schema.js";

/**
 * The database handle and context behind an open store, for this package's own tests and
 * benchmarks only. Not on the Store interface, not exported from index.ts, and not a path in
 * package.json "exports", so no app can reach SQL through the store.
 */
export interface StoreInternals {
  readonly db: Kysely<Database>;
  readonly context: StoreContext;
}

const internals = new WeakMap<Store, StoreContext>();

/** Called by openStore only. */
export function rememberInternals(store: Store, context: StoreContext): void {
  internals.set(store, context);
}

export function storeInternals(store: Store): StoreInternals {
  const context = internals.get(store);
  if (!context) throw new TypeError("not a store opened by openStore");
  return { db: context.db, context };
}
