import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message, testClock } from "../../test/fresh-store.js";
import { recordPgStatements } from "../../test/pg-statements.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import type { Store } from "../open-store.js";
import { BLOB_CHUNK_BYTES, type BlobStore, tableBlobStore } from "./blob-store.js";
import { ownedMessageWithRaw } from "./messages.js";

describe.each(backends)("mailboxes and messages on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let mallory: Account;
  const clock = testClock();
  beforeAll(async () => {
    fresh = await freshStore(backend, { now: clock.now });
    store = fresh.store;
    alice = (await store.accounts.add("alice@mail.example", { password: "pw", createDomain: true })).account;
    mallory = (await store.accounts.add("mallory@mail.example", { password: "pw" })).account;
  });
  afterAll(() => fresh.cleanup());

  const inboxOf = (a: Account) => store.mailboxes.require(a.id, "inbox");

  it("rawStream gives the size first, then the exact bytes chunk by chunk, only to the owner", async () => {
    const inbox = await inboxOf(alice);
    const raw = Buffer.concat([message({ Subject: "large" }), randomBytes(2 * BLOB_CHUNK_BYTES + 99)]);
    const m = await store.messages.append(alice.id, inbox.id, raw);
    const { size, stream } = await store.messages.rawStream(alice.id, m.id);
    expect(size).toBe(raw.length);
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.byteLength)).toEqual([
      BLOB_CHUNK_BYTES,
      BLOB_CHUNK_BYTES,
      raw.length - 2 * BLOB_CHUNK_BYTES,
    ]);
    expect(Buffer.concat(chunks).equals(raw)).toBe(true);
    await expect(store.messages.rawStream(mallory.id, m.id)).rejects.toMatchObject({ code: "not-found" });
    await store.messages.remove(alice.id, m.id);
  });

  it("stores the exact raw bytes and listing metadata", async () => {
    const inbox = await inboxOf(alice);
    // Bare LF, 8-bit and trailing garbage: stored byte for byte anyway.
    const raw = Buffer.concat([
      Buffer.from(
        "From: Bob <bob@x.org>\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\nDate: Wed, 2 Jul 2003 10:00:00 +0000\n\n",
      ),
      Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x80]),
    ]);
    const m = await store.messages.append(alice.id, inbox.id, raw, { flags: ["flagged"] });
    expect(m).toMatchObject({
      from: "Bob <bob@x.org>",
      subject: "Grüße",
      date: Date.UTC(2003, 6, 2, 10),
      size: raw.length,
      flags: ["flagged"],
      security: "plain",
      cipher: null,
    });
    expect(Buffer.from(await store.messages.raw(alice.id, m.id)).equals(raw)).toBe(true);
    expect(await store.messages.get(alice.id, m.id)).toEqual(m);
  });

  it("opening a message reads it whole: one chunk with its row, more chunks after", async () => {
    const inbox = await inboxOf(alice);
    const head = message({ Subject: "sizes" });
    for (const size of [head.length, BLOB_CHUNK_BYTES, BLOB_CHUNK_BYTES + 1, 3 * BLOB_CHUNK_BYTES + 5]) {
      const raw = Buffer.concat([head, randomBytes(size - head.length)]);
      const m = await store.messages.append(alice.id, inbox.id, raw);
      const opened = await ownedMessageWithRaw(storeInternals(store).context, alice.id, m.id);
      expect(opened.row.id).toBe(m.id);
      expect(Buffer.from(opened.raw).equals(raw), `${size} bytes`).toBe(true);
      await store.messages.remove(alice.id, m.id);
    }
  });

  it.runIf(backend.name === "postgres")(
    "on PostgreSQL, opening a message fetches its bytes by binary COPY, never as hex text (PostgreSQL only)",
    async () => {
      const recording = recordPgStatements();
      const { sent } = recording;
      const own = await freshStore(backend);
      try {
        const { account } = await own.store.accounts.add("hex@mail.example", {
          password: "pw",
          createDomain: true,
        });
        const inbox = await own.store.mailboxes.require(account.id, "INBOX");
        for (const size of [2_000, 2 * BLOB_CHUNK_BYTES + 7]) {
          const raw = Buffer.concat([message({ Subject: "no hex" }), randomBytes(size)]);
          const m = await own.store.messages.append(account.id, inbox.id, raw);
          sent.length = 0;
          const opened = await ownedMessageWithRaw(storeInternals(own.store).context, account.id, m.id);
          expect(Buffer.from(opened.raw).equals(raw)).toBe(true);
          const chunkReads = sent.filter((text) => /message_blob_chunks/.test(text));
          expect(chunkReads.length).toBeGreaterThan(0);
          expect(chunkReads.every((text) => text.startsWith("/* sealbox:copy-binary */"))).toBe(true);
        }
      } finally {
        recording.stop();
        await own.cleanup();
      }
    },
  );

  it("reads a message's bytes through whichever blob store the store was opened with", async () => {
    const gets: string[] = [];
    const recording: BlobStore = {
      ...tableBlobStore,
      get: async (q, id) => {
        gets.push(id);
        return tableBlobStore.get(q, id);
      },
    };
    const own = await freshStore(backend, { blobs: recording });
    try {
      const { account: a } = await own.store.accounts.add("blob@reader.example", {
        password: "pw",
        createDomain: true,
      });
      const inbox = await own.store.mailboxes.require(a.id, "inbox");
      const m = await own.store.messages.append(
        a.id,
        inbox.id,
        message({ Subject: "through the blob store" }),
      );
      gets.length = 0;
      const view = await own.store.reading.read(a.id, m.id);
      expect(view.headers.subject).toBe("through the blob store");
      expect(gets).toHaveLength(1);
    } finally {
      await own.cleanup();
    }
  });

  it("reads a message and its bytes from the table blob store (and refuses a message whose bytes are gone)", async () => {
    const inbox = await inboxOf(alice);
    const m = await store.messages.append(alice.id, inbox.id, message({ Subject: "one query" }));
    expect((await store.reading.read(alice.id, m.id)).headers.subject).toBe("one query");
    const other = await store.messages.append(alice.id, inbox.id, message({ Subject: "bytes gone" }));
    const { blob_id } = await storeInternals(store)
      .db.selectFrom("messages")
      .select("blob_id")
      .where("id", "=", other.id)
      .executeTakeFirstOrThrow();
    await storeInternals(store)
      .db.updateTable("messages")
      .set({ blob_id: "missing" })
      .where("id", "=", other.id)
      .execute();
    await expect(store.reading.read(alice.id, other.id)).rejects.toMatchObject({
      code: "not-found",
      message: "message bytes missing are missing",
    });
    await storeInternals(store)
      .db.updateTable("messages")
      .set({ blob_id })
      .where("id", "=", other.id)
      .execute();
  });

  it("keeps accounts apart: another account's message or mailbox is not found", async () => {
    const inbox = await inboxOf(alice);
    const m = await store.messages.append(alice.id, inbox.id, message({ Subject: "private" }));
    await expect(store.messages.raw(mallory.id, m.id)).rejects.toMatchObject({ code: "not-found" });
    await expect(store.reading.read(mallory.id, m.id)).rejects.toMatchObject({ code: "not-found" });
    await expect(store.messages.get(mallory.id, m.id)).rejects.toMatchObject({ code: "not-found" });
    await expect(store.messages.setFlags(mallory.id, m.id, { seen: true })).rejects.toMatchObject({
      code: "not-found",
    });
    await expect(store.listMessages(mallory.id, inbox.id)).rejects.toMatchObject({ code: "not-found" });
    const malloryInbox = await inboxOf(mallory);
    await expect(store.messages.move(mallory.id, m.id, malloryInbox.id)).rejects.toMatchObject({
      code: "not-found",
    });
    await expect(store.messages.move(alice.id, m.id, malloryInbox.id)).rejects.toMatchObject({
      code: "not-found",
    });
    await expect(store.messages.append(mallory.id, inbox.id, message({}))).rejects.toMatchObject({
      code: "not-found",
    });
  });

  it("lists newest first in pages with a stable cursor, also when dates tie", async () => {
    const box = await store.mailboxes.create(alice.id, "Paging");
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      // Pairs of equal dates exercise the id tie-breaker.
      const date = new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 2) * 60_000).toUTCString();
      ids.push((await store.messages.append(alice.id, box.id, message({ Subject: `n${i}`, Date: date }))).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await store.listMessages(alice.id, box.id, { limit: 5, cursor });
      seen.push(...page.messages.map((m) => m.id));
      cursor = page.nextCursor;
      pages++;
      // Mail arriving meanwhile must not shift later pages.
      if (pages === 2)
        await store.messages.append(
          alice.id,
          box.id,
          message({ Subject: "late", Date: new Date().toUTCString() }),
        );
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(23);
    expect(seen.every((id) => ids.includes(id))).toBe(true);
    const full = (await store.listMessages(alice.id, box.id, { limit: 1000 })).messages;
    const dates = full.map((m) => m.date);
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    expect(full.filter((m) => m.subject !== "late").map((m) => m.id)).toEqual(seen);
    await expect(store.listMessages(alice.id, box.id, { cursor: "garbage" })).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await expect(store.listMessages(alice.id, box.id, { limit: 0 })).rejects.toMatchObject({
      code: "invalid-argument",
    });
  });

  it("searches subject and sender case-insensitively, with LIKE metacharacters taken literally", async () => {
    const box = await store.mailboxes.create(alice.id, "Search");
    await store.messages.append(
      alice.id,
      box.id,
      message({ From: "Carol <carol@x.org>", Subject: "Quarterly REPORT" }),
    );
    await store.messages.append(alice.id, box.id, message({ From: "dave@y.org", Subject: "100% done_now" }));
    await store.messages.append(alice.id, box.id, message({ From: "eve@report.org", Subject: "hello" }));
    const find = async (text: string, where?: "subject" | "from" | "both") =>
      (await store.listMessages(alice.id, box.id, { search: { text, in: where } })).messages
        .map((m) => m.subject)
        .sort();
    expect(await find("report")).toEqual(["Quarterly REPORT", "hello"]);
    expect(await find("report", "subject")).toEqual(["Quarterly REPORT"]);
    expect(await find("REPORT", "from")).toEqual(["hello"]);
    expect(await find("CAROL")).toEqual(["Quarterly REPORT"]);
    expect(await find("100%")).toEqual(["100% done_now"]);
    expect(await find("0% d")).toEqual(["100% done_now"]);
    expect(await find("%")).toEqual(["100% done_now"]);
    expect(await find("e_n")).toEqual(["100% done_now"]);
    expect(await find("_")).toEqual(["100% done_now"]);
    expect(await find("!")).toEqual([]);
  });

  it("sets flags", async () => {
    const inbox = await inboxOf(alice);
    const m = await store.messages.append(alice.id, inbox.id, message({ Subject: "flags" }));
    expect((await store.messages.setFlags(alice.id, m.id, { seen: true, deleted: true })).flags).toEqual([
      "seen",
      "deleted",
    ]);
    expect((await store.messages.get(alice.id, m.id)).flags).toEqual(["seen", "deleted"]);
    expect((await store.messages.setFlags(alice.id, m.id, { seen: false })).flags).toEqual(["deleted"]);
    await expect(store.messages.setFlags(alice.id, m.id, { junk: true } as never)).rejects.toMatchObject({
      code: "invalid-argument",
    });
  });

  it("moves and copies, keeping bytes, flags and date; a copy has its own bytes", async () => {
    const inbox = await inboxOf(alice);
    const archive = await store.mailboxes.create(alice.id, "Archive");
    const raw = message({ Subject: "keep me", Date: "Mon, 1 Jan 2024 00:00:00 +0000" }, "exact body\r\n");
    const m = await store.messages.append(alice.id, inbox.id, raw, { flags: ["seen"] });
    const copy = await store.messages.copy(alice.id, m.id, archive.id);
    expect(copy).toMatchObject({
      mailboxId: archive.id,
      subject: "keep me",
      flags: ["seen"],
      date: m.date,
      size: m.size,
    });
    expect(copy.id).not.toBe(m.id);
    expect(Buffer.from(await store.messages.raw(alice.id, copy.id)).equals(raw)).toBe(true);
    const blobs = await storeInternals(store)
      .db.selectFrom("messages")
      .select("blob_id")
      .where("id", "in", [m.id, copy.id])
      .execute();
    expect(new Set(blobs.map((b) => b.blob_id)).size).toBe(2);
    const trash = await store.mailboxes.require(alice.id, "Trash");
    const moved = await store.messages.move(alice.id, m.id, trash.id);
    expect(moved).toMatchObject({ id: m.id, mailboxId: trash.id, flags: ["seen"], date: m.date });
    const inInbox = (await store.listMessages(alice.id, inbox.id, { limit: 1000 })).messages.map((x) => x.id);
    expect(inInbox).not.toContain(m.id);
    expect(Buffer.from(await store.messages.raw(alice.id, m.id)).equals(raw)).toBe(true);
  });

  it("removes messages and expunges deleted ones with their bytes", async () => {
    const box = await store.mailboxes.create(alice.id, "Expunge");
    const a = await store.messages.append(alice.id, box.id, message({ Subject: "a" }), {
      flags: ["deleted"],
    });
    const b = await store.messages.append(alice.id, box.id, message({ Subject: "b" }));
    const c = await store.messages.append(alice.id, box.id, message({ Subject: "c" }));
    const blobCount = async () =>
      Number(
        (
          await storeInternals(store)
            .db.selectFrom("message_blobs")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await blobCount();
    expect(await store.messages.expunge(alice.id, box.id)).toBe(1);
    await store.messages.remove(alice.id, c.id);
    expect(await blobCount()).toBe(before - 2);
    expect((await store.listMessages(alice.id, box.id)).messages.map((m) => m.id)).toEqual([b.id]);
    await expect(store.messages.get(alice.id, a.id)).rejects.toMatchObject({ code: "not-found" });
  });

  it("lists mailboxes in the standard order with total and unseen counts", async () => {
    const { account } = await store.accounts.add("counts@mail.example", { password: "pw" });
    const inbox = await inboxOf(account);
    await store.mailboxes.create(account.id, "Zeta");
    await store.mailboxes.create(account.id, "Alpha");
    await store.messages.append(account.id, inbox.id, message({ Subject: "1" }));
    await store.messages.append(account.id, inbox.id, message({ Subject: "2" }), { flags: ["seen"] });
    const list = await store.mailboxes.list(account.id);
    expect(list.map((m) => [m.name, m.total, m.unseen])).toEqual([
      ["INBOX", 2, 1],
      ["Sent", 0, 0],
      ["Drafts", 0, 0],
      ["Trash", 0, 0],
      ["Alpha", 0, 0],
      ["Zeta", 0, 0],
    ]);
  });

  it("creates, renames and deletes mailboxes; INBOX is special", async () => {
    const { account } = await store.accounts.add("boxes@mail.example", { password: "pw" });
    const box = await store.mailboxes.create(account.id, "Projects");
    await expect(store.mailboxes.create(account.id, "Projects")).rejects.toMatchObject({ code: "conflict" });
    await expect(store.mailboxes.create(account.id, "inbox")).rejects.toMatchObject({ code: "conflict" });
    await expect(store.mailboxes.create(account.id, " padded")).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await expect(store.mailboxes.create(account.id, "bad\u0007")).rejects.toMatchObject({
      code: "invalid-argument",
    });
    expect((await store.mailboxes.rename(account.id, "Projects", "Work")).name).toBe("Work");
    await expect(store.mailboxes.rename(account.id, "Work", "Sent")).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(store.mailboxes.rename(account.id, "INBOX", "Old")).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(store.mailboxes.remove(account.id, "Inbox")).rejects.toMatchObject({ code: "forbidden" });
    await store.messages.append(account.id, box.id, message({ Subject: "in work" }));
    await store.mailboxes.remove(account.id, "Work");
    expect(await store.mailboxes.get(account.id, "Work")).toBeUndefined();
    const orphans = await storeInternals(store)
      .db.selectFrom("message_blobs")
      .select("id")
      .where("id", "not in", storeInternals(store).db.selectFrom("messages").select("blob_id"))
      .execute();
    expect(orphans).toEqual([]);
  });
});
