import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgres, sqlite } from "../test/backends.js";
import { giveCertificate, mail, openTestStore } from "../test/harness.js";
import { freePort } from "../test/postgres-cluster.js";
import { sendAllRetrying } from "../test/retrying-client.js";
import { startWorkerProcess, type WorkerProcess } from "../test/worker-process.js";

const MESSAGES = 1000;
const CLIENTS = 8;
const MAX_KILLS = 6;
const ACCOUNTS = ["a0", "a1", "a2", "a3"];

/** Message i: to one account (every fifth to two), "secret" in the subject for odd i. */
function recipientsOf(i: number): string[] {
  const first = ACCOUNTS[i % ACCOUNTS.length] as string;
  const second = ACCOUNTS[(i + 1) % ACCOUNTS.length] as string;
  return i % 5 === 0 ? [`${first}@local.test`, `${second}@local.test`] : [`${first}@local.test`];
}
const secret = (i: number) => i % 2 === 1;
const bodyMarker = (i: number) => `crash-body-${i}-end`;

/**
 * 1,000 messages over SMTP from clients that retry until they see 250,
 * while the worker is SIGKILLed at random moments and restarted. Afterwards every message is
 * stored for every recipient; more than once only if an attempt for it ended without a 250
 * (a kill after the commit, before the reply); the copies of a two-recipient message are
 * always equal in number (one transaction for both); Store Encrypted copies are encrypted.
 */
describe.each([sqlite, postgres])("SIGKILL during inbound SMTP ($name)", (backend) => {
  let store: Store;
  let target: Awaited<ReturnType<typeof backend.fresh>>;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    target = await backend.fresh();
    store = await openTestStore(target);
    await store.domains.add("local.test");
    for (const name of ACCOUNTS) {
      const { account } = await store.accounts.add(`${name}@local.test`, { password: "pw" });
      ids.set(`${name}@local.test`, account.id);
      await giveCertificate(store, account.id);
      await store.rules.add(
        { accountId: account.id },
        {
          name: "secret",
          conditions: [{ field: "Subject", op: "is", value: "*secret*" }],
          actions: [{ action: "Store Encrypted in", argument: "INBOX" }],
        },
      );
    }
  });
  afterAll(async () => {
    await store.close();
    await target.cleanup();
  });

  it("stores every message; duplicates only after a missed 250; encrypted where the rule says", async () => {
    const started = Date.now();
    const port = await freePort();
    const env = {
      SEALBOX_HOME: target.base,
      SEALBOX_STORE: target.url,
      SEALBOX_SMTP_PORT: String(port),
    };
    let worker: WorkerProcess = await startWorkerProcess(env);
    let sending = true;
    let kills = 0;
    // Kills come after a random number of accepted messages (not after a random time), so a
    // fast worker is killed as often as a slow one; the extra random pause lands mid-transaction.
    const accepted = (w: WorkerProcess) => (w.output().match(/smtp message accepted/g) ?? []).length;
    const killer = (async () => {
      while (sending && kills < MAX_KILLS) {
        const after = 40 + Math.floor(Math.random() * 100);
        while (sending && accepted(worker) < after) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, Math.random() * 30));
        if (!sending) break;
        worker.kill("SIGKILL");
        await worker.exited;
        kills++;
        worker = await startWorkerProcess(env);
      }
    })();
    const deliveries = await sendAllRetrying(
      MESSAGES,
      CLIENTS,
      () => port,
      (i) => ({
        from: `sender${i}@remote.example`,
        to: recipientsOf(i),
        raw: mail(
          {
            From: `sender${i}@remote.example`,
            To: recipientsOf(i).join(", "),
            Subject: `message ${i}${secret(i) ? " secret" : ""}`,
            "Message-ID": `<crash-${i}@remote.example>`,
          },
          `${bodyMarker(i)}\r\n`,
        ),
      }),
      started + 150_000,
    );
    sending = false;
    await killer;
    worker.kill("SIGTERM");
    await worker.exited;

    // What is stored, per recipient and message.
    const copies = new Map<string, Array<{ security: string; raw: Buffer }>>();
    for (const [address, id] of ids) {
      const inbox = await store.mailboxes.require(id, "INBOX");
      for (let cursor: string | null = null; ; ) {
        const page = await store.listMessages(id, inbox.id, { limit: 1000, cursor });
        for (const m of page.messages) {
          const key = `${address} ${m.messageId}`;
          const raw = Buffer.from(await store.messages.raw(id, m.id));
          copies.set(key, [...(copies.get(key) ?? []), { security: m.security, raw }]);
        }
        cursor = page.nextCursor;
        if (!cursor) break;
      }
    }

    let duplicates = 0;
    let missedReplies = 0;
    for (const { index, failedAttempts } of deliveries) {
      missedReplies += failedAttempts;
      const counts = recipientsOf(index).map((r) => copies.get(`${r} <crash-${index}@remote.example>`) ?? []);
      for (const list of counts) {
        expect(list.length, `message ${index}`).toBeGreaterThanOrEqual(1);
        // Stored twice only when an earlier attempt ended without the client seeing 250.
        expect(list.length, `message ${index}`).toBeLessThanOrEqual(1 + failedAttempts);
        for (const copy of list) {
          expect(copy.security, `message ${index}`).toBe(secret(index) ? "encrypted" : "plain");
          expect(copy.raw.includes(bodyMarker(index)), `message ${index}`).toBe(!secret(index));
        }
      }
      // Both recipients' copies come from the same transactions.
      expect(new Set(counts.map((l) => l.length)).size, `message ${index}`).toBe(1);
      duplicates += (counts[0]?.length ?? 1) - 1;
    }
    expect(deliveries).toHaveLength(MESSAGES);
    expect(kills).toBeGreaterThanOrEqual(3);
    const total = [...copies.values()].reduce((n, l) => n + l.length, 0);
    const expectedCopies = deliveries.reduce((n, d) => n + recipientsOf(d.index).length, 0);
    console.log(
      `crash test (inbound): ${MESSAGES} messages, ${kills} SIGKILLs, ${missedReplies} attempts without 250, ` +
        `${duplicates} messages stored twice (each after a missed 250), ${total} copies for ${expectedCopies} ` +
        `recipient deliveries, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 180_000);
});
