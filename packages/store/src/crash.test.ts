import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../test/backends.js";
import { type FreshStore, freshStore, message } from "../test/fresh-store.js";
import type { Account } from "./accounts/accounts.js";
import type { Store } from "./open-store.js";

// The child runs TypeScript sources through tsx (a devDependency of this package).
const tsx = createRequire(import.meta.url).resolve("tsx");
const child = fileURLToPath(new URL("../test/crash-child.ts", import.meta.url));
const ROUNDS = 4;

function start(url: string, base: string, address: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ["--conditions=@sealbox/source", "--import", tsx, child, url, base, address],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let err = "";
    p.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
    });
    p.stdout?.once("data", () => resolve(p));
    p.once("exit", (code) => reject(new Error(`crash child exited early (${code}): ${err}`)));
  });
}

describe.each(backends)("a SIGKILL in the middle of move, copy or deliver on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let account: Account;
  const originals = new Map<string, Buffer>();

  beforeAll(async () => {
    fresh = await freshStore(backend);
    store = fresh.store;
    account = (await store.accounts.add("crash@crash.example", { password: "pw", createDomain: true }))
      .account;
    const a = await store.mailboxes.create(account.id, "A");
    await store.mailboxes.create(account.id, "B");
    await store.mailboxes.create(account.id, "Copies");
    await store.rules.add(
      { accountId: account.id },
      {
        name: "twice",
        actions: [
          { action: "Store in", argument: "X" },
          { action: "Store in", argument: "Y" },
        ],
      },
    );
    for (let i = 0; i < 12; i++) {
      const raw = message(
        { "Message-ID": `<orig-${i}@test>`, Subject: `original ${i}` },
        `${"body ".repeat(200)}${i}\r\n`,
      );
      const m = await store.messages.append(account.id, a.id, raw);
      originals.set(m.id, raw);
    }
  });
  afterAll(() => fresh.cleanup());

  async function check(): Promise<{ moved: number; delivered: number }> {
    const rows = await store.db
      .selectFrom("messages")
      .innerJoin("mailboxes", "mailboxes.id", "messages.mailbox_id")
      .select(["messages.id", "messages.blob_id", "messages.message_id", "mailboxes.name"])
      .where("mailboxes.account_id", "=", account.id)
      .execute();
    // Every original exists exactly once, in A or B, with its exact bytes.
    for (const [id, raw] of originals) {
      const found = rows.filter((r) => r.id === id);
      expect(found).toHaveLength(1);
      expect(["A", "B"]).toContain(found[0]?.name);
      expect(Buffer.from(await store.messages.raw(account.id, id)).equals(raw)).toBe(true);
    }
    // Copies are whole: each has its own blob, and no blob is orphaned or shared.
    const blobs = await store.db.selectFrom("message_blobs").select("id").execute();
    const referenced = rows.map((r) => r.blob_id);
    expect(new Set(referenced).size).toBe(referenced.length);
    expect(new Set(blobs.map((b) => b.id))).toEqual(new Set(referenced));
    const originalBytes = new Set([...originals.values()].map((b) => b.toString("latin1")));
    for (const r of rows.filter((r) => r.name === "Copies"))
      expect(
        originalBytes.has(Buffer.from(await store.messages.raw(account.id, r.id)).toString("latin1")),
      ).toBe(true);
    // A delivery stored both of its copies or neither.
    const x = rows.filter((r) => r.name === "X").map((r) => r.message_id);
    const y = rows.filter((r) => r.name === "Y").map((r) => r.message_id);
    expect([...x].sort()).toEqual([...y].sort());
    expect(new Set(x).size).toBe(x.length);
    return { moved: rows.filter((r) => r.name === "B").length, delivered: x.length };
  }

  it(`leaves every message exactly once, old or new, across ${ROUNDS} random kills`, async () => {
    let delivered = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const p = await start(fresh.url, fresh.base, account.address);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 400));
      const exited = new Promise((r) => p.once("exit", r));
      p.kill("SIGKILL");
      await exited;
      const state = await check();
      // The child did real work before it died (so the kill landed among transactions).
      expect(state.delivered).toBeGreaterThanOrEqual(delivered);
      delivered = state.delivered;
    }
    expect(delivered).toBeGreaterThan(0);
  });
});
