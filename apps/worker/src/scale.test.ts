import type { Job, Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgres } from "../test/backends.js";
import { mail, openTestStore, startSink, waitFor } from "../test/harness.js";
import { freePort } from "../test/postgres-cluster.js";
import { sendAllRetrying } from "../test/retrying-client.js";
import { startWorkerProcess, type WorkerProcess } from "../test/worker-process.js";

const WORKERS = 3;
const OUTGOING = 300;
const INBOUND = 300;

const messageIdOf = (raw: Buffer) => /^Message-ID: (<[^>]+>)/im.exec(raw.toString("latin1"))?.[1] ?? "?";

/**
 * Three worker processes against one PostgreSQL drain one outgoing queue
 * (SKIP LOCKED) with no job handed to the relay twice, while accepting SMTP concurrently,
 * each on its own port; messages spread over all of them land exactly once.
 */
describe("three workers on one PostgreSQL", () => {
  let store: Store;
  let target: Awaited<ReturnType<typeof postgres.fresh>>;
  let sink: Awaited<ReturnType<typeof startSink>>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    target = await postgres.fresh();
    store = await openTestStore(target);
    await store.domains.add("local.test");
    for (const name of ["p0", "p1", "p2"]) await store.accounts.add(`${name}@local.test`, { password: "pw" });
    sink = await startSink();
  });
  afterAll(async () => {
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exited));
    await sink.close();
    await store.close();
    await target.cleanup();
  });

  it("drain one queue with no job sent twice, and accept SMTP on every worker at once", async () => {
    const started = Date.now();
    const jobs: Job[] = [];
    for (let i = 0; i < OUTGOING; i++)
      jobs.push(
        await store.queueOutgoing({
          envelopeFrom: "sender@local.test",
          recipients: [`r${i}@remote.example`],
          raw: mail({ Subject: `out ${i}`, "Message-ID": `<scale-out-${i}@local.test>` }),
        }),
      );
    const ports = await Promise.all(Array.from({ length: WORKERS }, () => freePort()));
    workers.push(
      ...(await Promise.all(
        ports.map((port, w) =>
          startWorkerProcess({
            SEALBOX_HOME: target.base,
            SEALBOX_STORE: target.url,
            SEALBOX_SMTP_PORT: String(port),
            SEALBOX_WORKER_ID: `scale-worker-${w}`,
            SEALBOX_RELAY_HOST: "127.0.0.1",
            SEALBOX_RELAY_PORT: String(sink.port),
            SEALBOX_RELAY_TLS: "off",
            SEALBOX_RELAY_CONCURRENCY: "2",
            SEALBOX_RELAY_POLL_MS: "50",
          }),
        ),
      )),
    );

    // Inbound at the same time, round-robin over the three listeners.
    const deliveries = await sendAllRetrying(
      INBOUND,
      9,
      (i, attempt) => ports[(i + attempt) % WORKERS] as number,
      (i) => ({
        from: `s${i}@remote.example`,
        to: [`p${i % 3}@local.test`],
        raw: mail({ Subject: `in ${i}`, "Message-ID": `<scale-in-${i}@remote.example>` }),
      }),
      started + 120_000,
    );
    expect(deliveries.every((d) => d.failedAttempts === 0)).toBe(true);

    await waitFor(
      async () => {
        for (const job of jobs) if ((await store.jobs.get(job.id))?.state !== "done") return false;
        return true;
      },
      120_000,
      "the queue to drain",
    );

    // Outgoing: each message handed to the relay exactly once, by some worker; all three took part.
    const arrivals = new Map<string, number>();
    for (const m of sink.received)
      arrivals.set(messageIdOf(m.raw), (arrivals.get(messageIdOf(m.raw)) ?? 0) + 1);
    const byWorker = new Map<string, number>();
    for (let i = 0; i < OUTGOING; i++) {
      expect(arrivals.get(`<scale-out-${i}@local.test>`), `outgoing ${i}`).toBe(1);
      const job = await store.jobs.get(jobs[i]?.id ?? "");
      expect(job?.attempts).toBe(1);
      byWorker.set(job?.leasedBy ?? "?", (byWorker.get(job?.leasedBy ?? "?") ?? 0) + 1);
    }
    expect(sink.received).toHaveLength(OUTGOING);
    expect([...byWorker.keys()].sort()).toEqual(["scale-worker-0", "scale-worker-1", "scale-worker-2"]);

    // Inbound: every message once.
    const seen = new Map<string, number>();
    for (const name of ["p0", "p1", "p2"]) {
      const account = await store.accounts.require(`${name}@local.test`);
      const inbox = await store.mailboxes.require(account.id, "INBOX");
      const page = await store.listMessages(account.id, inbox.id, { limit: 1000 });
      for (const m of page.messages) seen.set(m.messageId ?? "?", (seen.get(m.messageId ?? "?") ?? 0) + 1);
    }
    for (let i = 0; i < INBOUND; i++)
      expect(seen.get(`<scale-in-${i}@remote.example>`), `inbound ${i}`).toBe(1);
    console.log(
      `scale test: ${WORKERS} workers, ${OUTGOING} outgoing jobs (per worker: ${[...byWorker.entries()]
        .map(([w, n]) => `${w}=${n}`)
        .join(", ")}), ${INBOUND} inbound messages, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 180_000);
});
