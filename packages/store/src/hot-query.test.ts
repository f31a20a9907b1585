import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../test/backends.js";
import { type FreshStore, freshStore } from "../test/fresh-store.js";
import { hotQuery } from "./hot-query.js";
import { storeInternals } from "./internals.js";

describe.each(backends)("hotQuery on $name", (backend) => {
  let fresh: FreshStore;
  let first: FreshStore;
  const builds: string[] = [];

  const byAddress = hotQuery((db, address: string, role: "user" | "server-admin") => {
    builds.push("byAddress");
    return db
      .selectFrom("accounts")
      .select(["address", "role"])
      .where("address", "=", address)
      .where("role", "=", role)
      .where("address", "!=", "nobody@hot.example")
      .orderBy("address");
  });

  beforeAll(async () => {
    fresh = await freshStore(backend);
    first = await freshStore(backend);
    for (const f of [fresh, first]) {
      await f.store.accounts.add("alice@hot.example", { password: "pw", createDomain: true });
      await f.store.accounts.add("bob@hot.example", { password: "pw" });
    }
    await storeInternals(first.store)
      .db.updateTable("accounts")
      .set({ role: "server-admin" })
      .where("address", "=", "bob@hot.example")
      .execute();
  }, 120_000);
  afterAll(async () => {
    await fresh?.cleanup();
    await first?.cleanup();
  });

  it("builds once per database and binds each call's values, constants kept", async () => {
    builds.length = 0;
    expect(await byAddress(storeInternals(fresh.store).db, "alice@hot.example", "user")).toEqual([
      { address: "alice@hot.example", role: "user" },
    ]);
    expect(await byAddress(storeInternals(fresh.store).db, "bob@hot.example", "user")).toEqual([
      { address: "bob@hot.example", role: "user" },
    ]);
    expect(await byAddress(storeInternals(fresh.store).db, "bob@hot.example", "server-admin")).toEqual([]);
    expect(builds).toEqual(["byAddress"]);
    // Another store is another database: its own build, its own rows.
    expect(await byAddress(storeInternals(first.store).db, "bob@hot.example", "server-admin")).toEqual([
      { address: "bob@hot.example", role: "server-admin" },
    ]);
    expect(builds).toEqual(["byAddress", "byAddress"]);
  });

  it("runs in a transaction on the transaction's connection", async () => {
    await storeInternals(fresh.store)
      .db.transaction()
      .execute(async (trx) => {
        const promote = (role: "user" | "server-admin") =>
          trx.updateTable("accounts").set({ role }).where("address", "=", "alice@hot.example").execute();
        await promote("server-admin");
        // Seen only on the transaction's own connection until it commits.
        expect(await byAddress(trx, "alice@hot.example", "server-admin")).toEqual([
          { address: "alice@hot.example", role: "server-admin" },
        ]);
        await promote("user");
      });
  });

  it("refuses a value that does not come out as a bound parameter", async () => {
    const branching = hotQuery((db, address: string) =>
      // Branches on the value: the stand-in takes the other branch, and the value goes unbound.
      address.endsWith("@hot.example")
        ? db.selectFrom("accounts").select("address").where("address", "=", address)
        : db.selectFrom("accounts").select("address"),
    );
    await expect(branching(storeInternals(fresh.store).db, "alice@hot.example")).rejects.toThrow(
      /value 0 is not a bound parameter/,
    );
  });
});
