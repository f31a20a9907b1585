import { describe, expect, it } from "vitest";
import { backends } from "../test/backends.js";
import { storeInternals } from "./internals.js";
import { silentLogger } from "./logger.js";
import { openStore } from "./open-store.js";

describe("SQLite write transactions (ImmediateSqliteDialect)", () => {
  it("two connections in one process take turns without blocking the event loop", async () => {
    const target = await backends[0]!.fresh();
    const options = { base: target.base, logger: silentLogger, busyTimeoutMs: 3_000 };
    const a = await openStore(target.url, options);
    const b = await openStore(target.url, options);
    try {
      await a.domains.add("one.example");
      const order: string[] = [];
      const started = performance.now();
      // A holds the write lock across an await; with a plain synchronous busy_timeout B would
      // freeze the thread A needs to finish, and fail after the timeout with SQLITE_BUSY.
      const holder = storeInternals(a)
        .db.transaction()
        .execute(async (trx) => {
          await trx.updateTable("domains").set({ unlock_seconds: 200 }).execute();
          order.push("a-locked");
          await new Promise((r) => setTimeout(r, 300));
          order.push("a-commit");
        });
      await new Promise((r) => setTimeout(r, 50));
      const waiter = b.domains.set("one.example", { unlockSeconds: 400 }).then(() => order.push("b-done"));
      await Promise.all([holder, waiter]);
      expect(order).toEqual(["a-locked", "a-commit", "b-done"]);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect((await a.domains.require("one.example")).unlockSeconds).toBe(400);
    } finally {
      await a.close();
      await b.close();
      await target.cleanup();
    }
  });

  it("gives up with SQLITE_BUSY after the busy timeout when the lock is never released", async () => {
    const target = await backends[0]!.fresh();
    const a = await openStore(target.url, { base: target.base, logger: silentLogger, busyTimeoutMs: 200 });
    const b = await openStore(target.url, { base: target.base, logger: silentLogger, busyTimeoutMs: 200 });
    try {
      let release: () => void = () => {};
      const holder = storeInternals(a)
        .db.transaction()
        .execute(async (trx) => {
          await trx
            .insertInto("store_meta" as never)
            .values({ key: "x", value: "y" } as never)
            .execute();
          await new Promise<void>((r) => {
            release = r;
          });
        });
      await new Promise((r) => setTimeout(r, 20));
      await expect(b.domains.add("two.example")).rejects.toMatchObject({
        code: expect.stringMatching(/^SQLITE_BUSY/),
      });
      release();
      await holder;
    } finally {
      await a.close();
      await b.close();
      await target.cleanup();
    }
  });
});
