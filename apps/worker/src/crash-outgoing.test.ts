import type { Job, Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgres } from "../test/backends.js";
import { mail, openTestStore, startSink, waitFor } from "../test/harness.js";
import { freePort } from "../test/postgres-cluster.js";
import { startWorkerProcess, type WorkerProcess } from "../test/worker-process.js";

const MESSAGES = 300;
const CONCURRENCY = 4;
const MAX_KILLS = 5;

const messageIdOf = (raw: Buffer) => /^Message-ID: (<[^>]+>)/im.exec(raw.toString("latin1"))?.[1] ?? "?";

/**
 * Messages queued for a loopback SMTP sink while the worker is SIGKILLed
 * at random moments and restarted. Afterwards every message arrived and every job is done
 * (payload purged). A message arrives twice only when the worker died after the sink's 250
 * and before complete(): then its job was claimed again, so it has at least as many attempts
 * as arrivals, and there can be no more such duplicates than jobs in hand at the kills.
 */
describe("SIGKILL during outgoing delivery (PostgreSQL)", () => {
  let store: Store;
  let target: Awaited<ReturnType<typeof postgres.fresh>>;
  let sink: Awaited<ReturnType<typeof startSink>>;

  beforeAll(async () => {
    target = await postgres.fresh();
    store = await openTestStore(target);
    // A relay that takes a moment over each message, so kills land mid-hand-off.
    sink = await startSink({ delayMs: 15 });
  });
  afterAll(async () => {
    await sink.close();
    await store.close();
    await target.cleanup();
  });

  it("delivers every queued message; twice only when a kill fell between the relay's 250 and complete()", async () => {
    const started = Date.now();
    const jobs: Job[] = [];
    for (let i = 0; i < MESSAGES; i++)
      jobs.push(
        await store.queueOutgoing({
          envelopeFrom: "sender@local.test",
          recipients: [`r${i}@remote.example`],
          raw: mail({ Subject: `out ${i}`, "Message-ID": `<out-${i}@local.test>` }, `body ${i}\r\n`),
        }),
      );
    const env = {
      SEALBOX_HOME: target.base,
      SEALBOX_STORE: target.url,
      SEALBOX_SMTP_PORT: String(await freePort()),
      SEALBOX_RELAY_HOST: "127.0.0.1",
      SEALBOX_RELAY_PORT: String(sink.port),
      SEALBOX_RELAY_TLS: "off",
      SEALBOX_RELAY_CONCURRENCY: String(CONCURRENCY),
      // Short leases, so the jobs a killed worker held come back quickly.
      SEALBOX_RELAY_LEASE_MS: "1500",
      SEALBOX_RELAY_POLL_MS: "50",
    };
    let worker: WorkerProcess = await startWorkerProcess(env);
    const allDone = async () => {
      for (const job of jobs) if ((await store.jobs.get(job.id))?.state !== "done") return false;
      return true;
    };
    let kills = 0;
    while (kills < MAX_KILLS && sink.received.length < MESSAGES) {
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
      worker.kill("SIGKILL");
      await worker.exited;
      kills++;
      worker = await startWorkerProcess(env);
    }
    await waitFor(allDone, 120_000, "every job to be done");
    worker.kill("SIGTERM");
    await worker.exited;

    const arrivals = new Map<string, number>();
    for (const m of sink.received)
      arrivals.set(messageIdOf(m.raw), (arrivals.get(messageIdOf(m.raw)) ?? 0) + 1);
    let duplicates = 0;
    for (let i = 0; i < MESSAGES; i++) {
      const job = await store.jobs.get(jobs[i]?.id ?? "");
      const count = arrivals.get(`<out-${i}@local.test>`) ?? 0;
      expect(count, `message ${i}`).toBeGreaterThanOrEqual(1);
      // Each arrival was a separate claimed attempt: none twice after a completed hand-off.
      expect(job?.attempts ?? 0, `message ${i}`).toBeGreaterThanOrEqual(count);
      expect(job?.state).toBe("done");
      expect(job?.payload).toBeNull();
      duplicates += count - 1;
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(duplicates).toBeLessThanOrEqual(kills * CONCURRENCY);
    console.log(
      `crash test (outgoing): ${MESSAGES} messages, ${kills} SIGKILLs, ${duplicates} delivered twice ` +
        `(worker died between the relay's 250 and complete()), ${sink.received.length} arrivals, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 180_000);
});
