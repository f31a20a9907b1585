import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import {
  captureLogger,
  mail,
  openTestStore,
  type SinkMessage,
  startSink,
  storedMessages,
  testConfig,
  waitFor,
} from "../../test/harness.js";
import { type RunningWorker, startWorker } from "../worker.js";

describe.each(backends)("the outgoing queue on $name", (backend) => {
  let store: Store;
  let worker: RunningWorker;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let cleanup: () => Promise<void>;
  let aliceId: string;
  /** Per-test behaviour of the relay, by recipient. */
  const rcptReplies = new Map<string, { code: number; text: string }>();
  const dataReplies: Array<(m: SinkMessage) => { code: number; text: string } | undefined> = [];

  beforeAll(async () => {
    const target = await backend.fresh();
    store = await openTestStore(target);
    aliceId = (await store.accounts.add("alice@local.test", { password: "pw", createDomain: true })).account
      .id;
    sink = await startSink({
      rcpt: (address) => rcptReplies.get(address),
      data: (m) => {
        for (const f of dataReplies) {
          const r = f(m);
          if (r) return r;
        }
        return undefined;
      },
    });
    worker = await startWorker(
      store,
      testConfig({
        relay: { host: "127.0.0.1", port: sink.port, user: undefined, password: undefined, tls: "off" },
      }),
      captureLogger().log,
    );
    cleanup = async () => {
      await worker.stop(2_000);
      await sink.close();
      await store.close();
      await target.cleanup();
    };
  });
  afterAll(() => cleanup());

  const arrived = (recipient: string) => sink.received.filter((m) => m.to.includes(recipient));
  const jobState = async (id: string) => (await store.jobs.get(id))?.state;

  it("hands the exact bytes and envelope to the relay, completes the job and purges its payload", async () => {
    const raw = Buffer.concat([
      mail({ From: "alice@local.test", Subject: "exact" }, "line one\r\n.leading dot\r\n"),
      Buffer.from([0xc3, 0xa9, 0x0d, 0x0a]), // 8-bit bytes pass unchanged
    ]);
    const job = await store.queueOutgoing({
      envelopeFrom: "alice@local.test",
      recipients: ["r1@remote.example", "r2@remote.example"],
      raw,
      accountId: aliceId,
    });
    await waitFor(async () => (await jobState(job.id)) === "done", 10_000, "the job to complete");
    const got = arrived("r1@remote.example");
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      from: "alice@local.test",
      to: ["r1@remote.example", "r2@remote.example"],
    });
    expect(got[0]?.raw.equals(raw)).toBe(true);
    expect((await store.jobs.get(job.id))?.payload).toBeNull();
  });

  it("retries a temporary failure (451) with back-off and then delivers once", async () => {
    let refusals = 1;
    dataReplies.push((m) =>
      m.to.includes("later@remote.example") && refusals-- > 0
        ? { code: 451, text: "4.3.0 try later" }
        : undefined,
    );
    const job = await store.queueOutgoing({
      envelopeFrom: "alice@local.test",
      recipients: ["later@remote.example"],
      raw: mail({ Subject: "later" }),
    });
    await waitFor(async () => (await jobState(job.id)) === "done", 15_000, "the retried job to complete");
    expect((await store.jobs.get(job.id))?.attempts).toBe(2);
    expect(arrived("later@remote.example")).toHaveLength(1);
  });

  it("bounces recipients the relay refuses for good to a local sender, delivering to the others", async () => {
    rcptReplies.set("gone@remote.example", { code: 550, text: "5.1.1 No such user gone" });
    const job = await store.queueOutgoing({
      envelopeFrom: "alice@local.test",
      recipients: ["gone@remote.example", "here@remote.example"],
      raw: mail({ From: "alice@local.test", Subject: "partly bounced" }, "private body text\r\n"),
      accountId: aliceId,
    });
    await waitFor(async () => (await jobState(job.id)) === "done", 10_000, "the job to complete");
    expect(arrived("here@remote.example")).toHaveLength(1);
    const bounces = await waitFor(
      async () => {
        const all = await storedMessages(store, aliceId);
        const found = all.filter((m) => m.subject === "Undelivered Mail Returned to Sender");
        return found.length > 0 ? found : undefined;
      },
      10_000,
      "the bounce in alice's INBOX",
    );
    expect(bounces).toHaveLength(1);
    const dsn = bounces[0]?.raw.toString("latin1") ?? "";
    expect(dsn).toMatch(/Content-Type: multipart\/report; report-type=delivery-status/);
    expect(dsn).toMatch(
      /Content-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; mx\.sealbox\.test/,
    );
    expect(dsn).toContain("Final-Recipient: rfc822; gone@remote.example\r\nAction: failed\r\nStatus: 5.1.1");
    expect(dsn).toContain("Diagnostic-Code: smtp; 550 5.1.1 No such user gone");
    expect(dsn).not.toContain("here@remote.example");
    expect(dsn).toMatch(
      /Content-Type: text\/rfc822-headers\r\n\r\nFrom: alice@local\.test\r\nSubject: partly bounced\r\n/,
    );
    expect(dsn).not.toContain("private body text");
    expect(bounces[0]?.mailbox).toBe("INBOX");
  });

  it("a permanent failure of the whole message is dead at once, and a remote sender's bounce goes out with MAIL FROM:<>", async () => {
    dataReplies.push((m) =>
      m.to.includes("spamtrap@remote.example") ? { code: 554, text: "5.7.1 rejected as spam" } : undefined,
    );
    const job = await store.queueOutgoing({
      envelopeFrom: "someone@elsewhere.example",
      recipients: ["spamtrap@remote.example"],
      raw: mail({ Subject: "relayed" }),
    });
    await waitFor(async () => (await jobState(job.id)) === "dead", 10_000, "the job to be dead");
    expect((await store.jobs.get(job.id))?.attempts).toBe(1);
    const bounce = await waitFor(
      () => sink.received.find((m) => m.to.includes("someone@elsewhere.example")),
      10_000,
      "the bounce at the relay",
    );
    expect(bounce.from).toBe("");
    expect(bounce.raw.toString("latin1")).toContain("Status: 5.7.1");
  });

  it("never bounces a bounce", async () => {
    rcptReplies.set("nobody@elsewhere.example", { code: 550, text: "5.1.1 unknown" });
    const before = (await store.jobs.stats()).queued;
    const job = await store.queueOutgoing({
      envelopeFrom: "",
      recipients: ["nobody@elsewhere.example"],
      raw: mail({ Subject: "a bounce" }),
      isBounce: true,
    });
    await waitFor(async () => (await jobState(job.id)) === "dead", 10_000, "the bounce to be dead");
    await new Promise((r) => setTimeout(r, 300));
    const stats = await store.jobs.stats();
    expect(stats.queued).toBe(before);
    expect(stats.inFlight).toBe(0);
  });

  it("gives up after maxAttempts temporary failures, then bounces with the relay's status", async () => {
    dataReplies.push((m) =>
      m.to.includes("busy@remote.example") ? { code: 452, text: "4.2.2 mailbox full" } : undefined,
    );
    const job = await store.queueOutgoing(
      {
        envelopeFrom: "alice@local.test",
        recipients: ["busy@remote.example"],
        raw: mail({ Subject: "busy" }),
      },
      { maxAttempts: 2 },
    );
    await waitFor(async () => (await jobState(job.id)) === "dead", 15_000, "the job to give up");
    expect((await store.jobs.get(job.id))?.attempts).toBe(2);
    const bounce = await waitFor(
      async () =>
        (await storedMessages(store, aliceId)).find((m) =>
          m.raw.includes("Final-Recipient: rfc822; busy@remote.example"),
        ),
      10_000,
      "the give-up bounce",
    );
    expect(bounce.raw.toString("latin1")).toContain("Status: 4.2.2");
    expect(bounce.raw.toString("latin1")).toMatch(/gave up after 2 attempts/);
  });
});

describe("when the relay is unreachable", () => {
  it("keeps the job queued for a later attempt, with the reason", async () => {
    const target = await backends[0]!.fresh();
    const store = await openTestStore(target);
    // A port nothing listens on: take one from a sink and close it.
    const gone = await startSink();
    await gone.close();
    const worker = await startWorker(
      store,
      testConfig({
        relayRetryBaseMs: 60_000,
        relay: { host: "127.0.0.1", port: gone.port, user: undefined, password: undefined, tls: "off" },
      }),
      captureLogger().log,
    );
    try {
      const job = await store.queueOutgoing({
        envelopeFrom: "a@local.test",
        recipients: ["r@remote.example"],
        raw: mail({ Subject: "x" }),
      });
      const after = await waitFor(
        async () => {
          const j = await store.jobs.get(job.id);
          return j && j.attempts === 1 && j.state === "queued" ? j : undefined;
        },
        10_000,
        "the failed attempt",
      );
      expect(after.lastError).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
      expect(after.runAt).toBeGreaterThan(Date.now() + 20_000);
    } finally {
      await worker.stop(1_000);
      await store.close();
      await target.cleanup();
    }
  });
});
