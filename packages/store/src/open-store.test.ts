import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../test/backends.js";
import { StoreError } from "./errors.js";
import { storeInternals } from "./internals.js";
import { silentLogger } from "./logger.js";
import { LATEST_SCHEMA_VERSION, openStore } from "./open-store.js";
import { parseStoreUrl } from "./store-url.js";

describe.each(backends)("openStore on $name", (backend) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("applies every migration on open, and reopening is a no-op", async () => {
    const target = await backend.fresh();
    cleanups.push(target.cleanup);
    const store = await openStore(target.url, { base: target.base });
    expect(LATEST_SCHEMA_VERSION).toBeGreaterThan(0);
    expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    await store.close();
    const again = await openStore(target.url, { base: target.base });
    expect(await again.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    await again.close();
  });

  it("survives two processes' worth of concurrent opens", async () => {
    const target = await backend.fresh();
    cleanups.push(target.cleanup);
    const stores = await Promise.all([1, 2, 3].map(() => openStore(target.url, { base: target.base })));
    for (const s of stores) expect(await s.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    await Promise.all(stores.map((s) => s.close()));
  });
});

describe("a PostgreSQL connection lost while checked out", () => {
  it("fails only the transaction that held it; the process lives on and the next call gets a new connection", async () => {
    const backend = backends.find((b) => b.name === "postgres");
    if (!backend) throw new Error("no postgres backend");
    const target = await backend.fresh();
    const store = await openStore(target.url, { base: target.base, logger: silentLogger });
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    try {
      const outcome = storeInternals(store)
        .db.transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          const pid = rows[0]?.pid;
          // The server ends this session while the transaction waits between two queries (as
          // during a restart): pg then emits 'error' on a client the pool has handed out.
          await admin.query("select pg_terminate_backend($1)", [pid]);
          for (let i = 0; i < 200; i++) {
            const alive = await admin.query("select 1 from pg_stat_activity where pid = $1", [pid]);
            if (alive.rowCount === 0) break;
            await new Promise((r) => setTimeout(r, 25));
          }
          await new Promise((r) => setTimeout(r, 100)); // the FATAL message and the close reach the client
          await sql`select 1`.execute(trx);
        });
      await expect(outcome).rejects.toThrow();
      expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      await admin.end();
      await store.close();
      await target.cleanup();
    }
  });
});

describe("store URLs", () => {
  it("resolves relative sqlite paths against the data folder, not the cwd", () => {
    expect(parseStoreUrl("sqlite:x.db", "/data/folder")).toEqual({
      kind: "sqlite",
      path: "/data/folder/x.db",
    });
    expect(parseStoreUrl("sqlite:/abs/x.db", "/data")).toEqual({ kind: "sqlite", path: "/abs/x.db" });
  });

  it("refuses anything else with a specific error", () => {
    expect(() => parseStoreUrl("mysql://x", "/d")).toThrow(StoreError);
    expect(() => parseStoreUrl("sqlite:", "/d")).toThrow(/no file path/);
  });

  it("creates the SQLite file in WAL mode", async () => {
    const target = await backends[0]!.fresh();
    const store = await openStore(target.url, { base: target.base });
    await store.close();
    expect(existsSync(join(target.base, "sealbox.db"))).toBe(true);
    expect(statSync(join(target.base, "sealbox.db")).size).toBeGreaterThan(0);
    // Owner-only: mail and sealed keys live in it.
    expect(statSync(join(target.base, "sealbox.db")).mode & 0o777).toBe(0o600);
    await target.cleanup();
  });
});

describe("what apps can reach", () => {
  it("no database handle: Store has no db or context, and the internals are exported nowhere", async () => {
    const target = await backends[0]!.fresh();
    const store = await openStore(target.url, { base: target.base, logger: silentLogger });
    try {
      for (const name of ["db", "context"]) expect(Object.keys(store)).not.toContain(name);
      // The package's own tests still reach the handle, through internals.ts.
      expect(await storeInternals(store).db.selectFrom("domains").select("id").execute()).toEqual([]);
    } finally {
      await store.close();
      await target.cleanup();
    }
    const api = await import("./index.js");
    expect(Object.keys(api)).not.toContain("storeInternals");
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    // Only "." and the browser-safe words: no path an app could import internals.ts (or any src file) by.
    expect(Object.keys(manifest.exports).sort()).toEqual([".", "./words"]);
    expect(JSON.stringify(manifest.exports)).not.toContain("internals");
  });
});
