import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { backends } from "../test/backends.js";
import { freshStore } from "../test/fresh-store.js";
import { isStorageFull } from "./db-errors.js";
import { storeInternals } from "./internals.js";

const sqlite = backends.find((b) => b.name === "sqlite");

describe("isStorageFull", () => {
  it("knows a full disk on either engine and on a file write, also as a cause", () => {
    expect(isStorageFull(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }))).toBe(
      true,
    );
    expect(isStorageFull(Object.assign(new Error("could not extend file"), { code: "53100" }))).toBe(true);
    expect(
      isStorageFull(new Error("wrapped", { cause: Object.assign(new Error("write"), { code: "ENOSPC" }) })),
    ).toBe(true);
    expect(isStorageFull(Object.assign(new Error("locked"), { code: "SQLITE_BUSY" }))).toBe(false);
    expect(isStorageFull(Object.assign(new Error("shutdown"), { code: "57P01" }))).toBe(false);
    expect(isStorageFull(undefined)).toBe(false);
  });

  // SQLite rolls the transaction back by itself on SQLITE_FULL: the store must not then hide
  // that error behind a failed ROLLBACK ("no transaction is active").
  it("a delivery that fills the SQLite file fails as storage full, and the store works on once there is room", async () => {
    if (!sqlite) throw new Error("no sqlite backend");
    const { store, cleanup } = await freshStore(sqlite);
    try {
      await store.domains.add("local.test");
      const { account } = await store.accounts.add("full@local.test", { password: "pw" });
      const raw = Buffer.from(
        `Subject: big\r\nMessage-ID: <big@x>\r\n\r\n${"x".repeat(76)}\r\n`.repeat(4000),
      );
      const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(storeInternals(store).db);
      // The file may grow by only a few pages: the same SQLITE_FULL a full disk gives.
      await sql
        .raw(`pragma max_page_count = ${(rows[0]?.page_count ?? 0) + 4}`)
        .execute(storeInternals(store).db);
      const failed = await store.deliver(account, raw).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed, String(failed)).toBeDefined();
      expect(isStorageFull(failed), String(failed)).toBe(true);
      await sql.raw("pragma max_page_count = 1073741823").execute(storeInternals(store).db);
      const delivered = await store.deliver(account, raw);
      expect(delivered.stored.length).toBe(1);
    } finally {
      await cleanup();
    }
  });
});
