import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../test/backends.js";
import { freshStore, TEST_SCRYPT } from "../test/fresh-store.js";
import { storeInternals } from "./internals.js";
import type { StoreLogger } from "./logger.js";
import { openStore, type Store } from "./open-store.js";
import { BACKSTOP_CHECKPOINT_PAGES, startWalCheckpointer } from "./sqlite-checkpointer.js";

const sqlite = backends.find((b) => b.name === "sqlite") as (typeof backends)[number];

/** A message of about `size` bytes whose body is a recognisable pattern. */
function message(n: number, size: number): Buffer {
  const head = `From: a@remote.test\r\nTo: ann@example.test\r\nSubject: wal ${n}\r\nMessage-ID: <wal-${n}@remote.test>\r\n\r\n`;
  const line = `message ${n} ${"x".repeat(60)}\r\n`;
  return Buffer.from(head + line.repeat(Math.ceil(size / line.length)));
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function storeWith(walCheckpoints: "on-commit" | "background") {
  const fresh = await freshStore(sqlite, { walCheckpoints });
  cleanups.push(fresh.cleanup);
  const path = fresh.url.slice("sqlite:".length);
  await fresh.store.domains.add("example.test");
  const { account } = await fresh.store.accounts.add("ann@example.test", { password: "pw" });
  return { ...fresh, path, account };
}

const sizeOf = (path: string) => statSync(path).size;

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe("WAL checkpoints on their own thread (SQLite)", () => {
  it("copies committed pages into the database file while the writer only appends to the WAL", async () => {
    const { store, path, account } = await storeWith("background");
    const before = sizeOf(path);
    // 1.5 MB: under the writer's own threshold either way, so only the thread can have copied it.
    const ids: string[] = [];
    for (let n = 0; n < 3; n++)
      ids.push(((await store.deliver(account, message(n, 500_000))).stored[0] as { id: string }).id);
    expect(await until(() => sizeOf(path) >= before + 1_400_000, 5_000)).toBe(true);
    // What was copied reads back byte for byte.
    for (const [n, id] of ids.entries())
      expect(Buffer.compare(Buffer.from(await store.messages.raw(account.id, id)), message(n, 500_000))).toBe(
        0,
      );
  });

  it("without it the same writes stay in the WAL (SQLite's own checkpoint waits for 1000 pages)", async () => {
    const { store, path, account } = await storeWith("on-commit");
    const before = sizeOf(path);
    for (let n = 0; n < 3; n++) await store.deliver(account, message(n, 500_000));
    expect(await until(() => sizeOf(path) >= before + 1_400_000, 1_000)).toBe(false);
  });

  it("raises the writer's own threshold to the backstop, and closes the thread's connection on close", async () => {
    const { store, path } = await storeWith("background");
    const pages = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(
      storeInternals(store).db,
    );
    expect(pages.rows[0]?.wal_autocheckpoint).toBe(BACKSTOP_CHECKPOINT_PAGES);
    await store.close();
    // SQLite removes the WAL when the last connection closes: the thread's is closed too.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const other = await storeWith("on-commit");
    const own = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(
      storeInternals(other.store).db,
    );
    expect(own.rows[0]?.wal_autocheckpoint).toBe(1000);
  });

  it("keeps a reopened store's messages byte for byte after a busy run", async () => {
    const base = mkdtempSync(join(tmpdir(), "sealbox-wal-"));
    cleanups.push(async () => rmSync(base, { recursive: true, force: true }));
    const url = `sqlite:${join(base, "sealbox.db")}`;
    const open = (walCheckpoints?: "background") =>
      openStore(url, {
        base,
        logger: { info: () => {}, warn: () => {} },
        passwordHashing: TEST_SCRYPT,
        ...(walCheckpoints ? { walCheckpoints } : {}),
      });
    let store: Store = await open("background");
    await store.domains.add("example.test");
    const { account } = await store.accounts.add("ann@example.test", { password: "pw" });
    // Concurrent deliveries (group commits) while the thread checkpoints beside them.
    const path = join(base, "sealbox.db");
    const before = sizeOf(path);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => store.deliver(account, message(n, 40_000))),
    );
    // 800 KB: well under either threshold of the writer's own, so only the thread copies it over.
    expect(await until(() => sizeOf(path) >= before + 700_000, 5_000)).toBe(true);
    await store.close();
    store = await open();
    try {
      for (const [n, result] of results.entries()) {
        const id = (result.stored[0] as { id: string }).id;
        expect(
          Buffer.compare(Buffer.from(await store.messages.raw(account.id, id)), message(n, 40_000)),
        ).toBe(0);
      }
    } finally {
      await store.close();
    }
  });

  it("a thread that cannot open the database says why and the store need not wait for it", async () => {
    const warnings: string[] = [];
    const logger: StoreLogger = { info: () => {}, warn: (_fields, text) => warnings.push(text) };
    const missing = join(tmpdir(), `sealbox-no-such-${process.pid}`, "sealbox.db");
    await expect(startWalCheckpointer(missing, logger)).rejects.toThrow(
      /WAL checkpoint thread could not start/,
    );
    expect(warnings).toEqual(["background WAL checkpoints stopped; the writer checkpoints itself"]);
  });
});
