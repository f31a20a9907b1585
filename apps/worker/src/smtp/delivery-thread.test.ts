import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  HEADER_CAPTURE_BYTES,
  SPOOL_MEMORY_BELOW,
  type SpooledMessage,
  type Store,
  spoolMessage,
} from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// A worker thread runs plain Node, which cannot load the TypeScript source: the test drives the
// built module (the test command builds every package first), as the worker process does.
import { startDeliveryThread } from "../../dist/smtp/delivery-thread.js";
import { backends } from "../../test/backends.js";
import { captureLogger, mail, openTestStore, storedMessages } from "../../test/harness.js";
import type { DeliveryRequest } from "./deliver-spooled.js";

const spoolDir = mkdtempSync(join(tmpdir(), "sealbox-thread-spool-"));
afterAll(() => rmSync(spoolDir, { recursive: true, force: true }));

async function spool(bytes: Buffer): Promise<SpooledMessage> {
  const read = await spoolMessage(Readable.from([bytes]), {
    dir: spoolDir,
    prefix: Buffer.alloc(0),
    maxBytes: 64 * 1024 * 1024,
    keepHead: HEADER_CAPTURE_BYTES,
    memoryBelow: SPOOL_MEMORY_BELOW,
    reserve: () => true,
  });
  if (!read.ok) throw new Error(read.reason);
  return read.message;
}

const request = (accountId: string, session: string): DeliveryRequest => ({
  session,
  user: undefined,
  accounts: [accountId],
  remote: [],
  mailFrom: "someone@remote.example",
  receivedAt: Date.now(),
});

describe.each(backends)("the delivery thread on $name", (backend) => {
  let target: Awaited<ReturnType<typeof backend.fresh>>;
  let store: Store;
  let accountId: string;
  beforeAll(async () => {
    target = await backend.fresh();
    store = await openTestStore(target);
    await store.domains.add("thread.test");
    accountId = (await store.accounts.add("bob@thread.test", { password: "pw" })).account.id;
  });
  afterAll(async () => {
    await store?.close();
    await target?.cleanup();
  });

  it("stores a small message (bytes) and a large one (spool file and key) exactly, with the same replies and log lines", async () => {
    const { log, lines } = captureLogger();
    const thread = await startDeliveryThread({ url: target.url, base: target.base, log });
    try {
      const small = mail({ From: "a@remote.example", To: "bob@thread.test", Subject: "small" });
      const large = mail(
        { From: "a@remote.example", To: "bob@thread.test", Subject: "large" },
        `${"x".repeat(998)}\r\n`.repeat(3000),
      );
      const smallSpool = await spool(small);
      const largeSpool = await spool(large);
      expect([smallSpool.onDisk, largeSpool.onDisk]).toEqual([false, true]);
      const outcomes = await Promise.all([
        thread.deliver(request(accountId, "s1"), smallSpool),
        thread.deliver(request(accountId, "s2"), largeSpool),
      ]);
      expect(outcomes.map((o) => o.reply)).toEqual([
        { code: 250, text: "2.0.0 OK: stored" },
        { code: 250, text: "2.0.0 OK: stored" },
      ]);
      expect(outcomes.map((o) => o.log.map((l) => l.message))).toEqual([
        ["smtp message accepted"],
        ["smtp message accepted"],
      ]);
      // The main thread's copy of the key was left intact: the file still reads, then goes.
      const reread: Buffer[] = [];
      for await (const part of largeSpool.open()) reread.push(Buffer.from(part));
      expect(Buffer.concat(reread).equals(large)).toBe(true);
      await largeSpool.remove();
      const stored = await storedMessages(store, accountId);
      const bySubject = new Map(stored.map((m) => [m.subject, m.raw]));
      expect(bySubject.get("small")?.equals(small)).toBe(true);
      expect(bySubject.get("large")?.equals(large)).toBe(true);
      expect(lines.join("\n")).not.toContain("xxxxxxxx");
    } finally {
      await thread.close();
    }
  });

  it("a thread that dies fails the message in hand (nothing stored) and the next message starts a new one", async () => {
    const { log, lines } = captureLogger();
    const thread = await startDeliveryThread({ url: target.url, base: target.base, log });
    try {
      const before = (await storedMessages(store, accountId)).length;
      const inHand = thread.deliver(
        request(accountId, "s3"),
        await spool(mail({ From: "a@remote.example", To: "bob@thread.test", Subject: "lost" })),
      );
      const settled = inHand.then(
        () => "stored",
        (error: Error) => error.message,
      );
      await thread.terminate();
      // Either it was committed before the thread died (then it is stored once) or it failed.
      const result = await settled;
      const after = await storedMessages(store, accountId);
      if (result === "stored") expect(after.length).toBe(before + 1);
      else {
        expect(result).toMatch(/the delivery thread exited/);
        expect(after.length).toBe(before);
        expect(lines.join("\n")).toMatch(/the delivery thread exited/);
      }
      const next = await thread.deliver(
        request(accountId, "s4"),
        await spool(mail({ From: "a@remote.example", To: "bob@thread.test", Subject: "after" })),
      );
      expect(next.reply.code).toBe(250);
      expect((await storedMessages(store, accountId)).some((m) => m.subject === "after")).toBe(true);
    } finally {
      await thread.close();
    }
  });

  it("a store it cannot open is a clear error at start", async () => {
    const { log } = captureLogger();
    // A regular file where the database's folder should be.
    const notAFolder = join(target.base, "not-a-folder");
    writeFileSync(notAFolder, "");
    await expect(
      startDeliveryThread({ url: `sqlite:${join(notAFolder, "sealbox.db")}`, base: target.base, log }),
    ).rejects.toThrow(/the delivery thread could not open the store/);
  });
});
