import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import type { Store } from "../open-store.js";

/** ~100 KB of lines carrying `marker`: the blob spans many overflow pages. */
function bigMessage(marker: string): Buffer {
  const lines: string[] = [];
  for (let i = 0; lines.length * 48 < 100_000; i++) lines.push(`${marker} ${String(i).padStart(6, "0")}`);
  return message({ From: "x@remote.example", Subject: "to be deleted" }, `${lines.join("\r\n")}\r\n`);
}

/** Which of the SQLite files (main, -wal, -shm, any journal) contain `needle`. */
function filesContaining(base: string, needle: string): string[] {
  return readdirSync(base)
    .filter((f) => f.startsWith("sealbox.db"))
    .filter((f) => readFileSync(join(base, f)).includes(Buffer.from(needle)));
}

// A deleted message or a purged job payload must not stay readable in the -wal file until
// some later checkpoint (secure_delete zeroes the freed pages; the checkpoint moves the
// zeroed pages into the main file and empties the log).
describe("deleted bytes leave the SQLite files at once", () => {
  let fresh: FreshStore;
  let store: Store;
  let account: Account;
  let n = 0;

  beforeAll(async () => {
    fresh = await freshStore(backends.find((b) => b.name === "sqlite") as (typeof backends)[number]);
    store = fresh.store;
    account = (await store.accounts.add("keeper@wal.example", { password: "pw", createDomain: true }))
      .account;
  });
  afterAll(() => fresh.cleanup());

  /** Stores a marked message in `mailbox` (made if missing) and checks the probe can see it. */
  async function stored(mailbox: string, owner: Account = account) {
    const marker = `wal-marker-${randomUUID()}`;
    const boxes = await store.mailboxes.list(owner.id);
    const box = boxes.find((b) => b.name === mailbox) ?? (await store.mailboxes.create(owner.id, mailbox));
    const summary = await store.messages.append(owner.id, box.id, bigMessage(marker));
    expect(filesContaining(fresh.base, marker).length).toBeGreaterThan(0);
    return { marker, id: summary.id, box };
  }

  it("message delete", async () => {
    const { marker, id } = await stored("INBOX");
    await store.messages.remove(account.id, id);
    expect(filesContaining(fresh.base, marker)).toEqual([]);
  });

  it("delete to Trash, then from Trash for good (emptying the Trash)", async () => {
    const { marker, id } = await stored("INBOX");
    expect(await store.messages.trash(account.id, id)).toEqual({ removed: false });
    expect(await store.messages.trash(account.id, id)).toEqual({ removed: true });
    expect(filesContaining(fresh.base, marker)).toEqual([]);
  });

  it("expunge", async () => {
    const { marker, id, box } = await stored("INBOX");
    await store.messages.setFlags(account.id, id, { deleted: true });
    expect(await store.messages.expunge(account.id, box.id)).toBe(1);
    expect(filesContaining(fresh.base, marker)).toEqual([]);
  });

  it("mailbox delete", async () => {
    const name = `Old ${n++}`;
    const { marker } = await stored(name);
    await store.mailboxes.remove(account.id, name);
    expect(filesContaining(fresh.base, marker)).toEqual([]);
  });

  it("account delete", async () => {
    const gone = (await store.accounts.add("gone@wal.example", { password: "pw" })).account;
    const { marker } = await stored("INBOX", gone);
    await store.accounts.remove(gone.address);
    expect(filesContaining(fresh.base, marker)).toEqual([]);
  });

  it("a completed job's payload purge", async () => {
    const marker = `wal-marker-${randomUUID()}`;
    await store.queueOutgoing({
      envelopeFrom: account.address,
      recipients: ["r@remote.example"],
      raw: bigMessage(marker),
    });
    expect(filesContaining(fresh.base, marker).length).toBeGreaterThan(0);
    const job = await store.jobs.claim("wal-test", 10_000);
    expect(job).not.toBeNull();
    expect(await store.jobs.complete(job as NonNullable<typeof job>)).toBe(true);
    expect(filesContaining(fresh.base, marker)).toEqual([]);
  });
});
