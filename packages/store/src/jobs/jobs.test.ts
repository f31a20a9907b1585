import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, testClock } from "../../test/fresh-store.js";
import { recordPgStatements } from "../../test/pg-statements.js";
import { storeInternals } from "../internals.js";
import { silentLogger } from "../logger.js";
import { openStore, type Store } from "../open-store.js";
import { retryDelay } from "./backoff.js";

describe("retry back-off", () => {
  it("doubles from 30 s up to 6 h, with half of each delay random", () => {
    expect(retryDelay(1, () => 0)).toBe(15_000);
    expect(retryDelay(1, () => 1)).toBe(30_000);
    expect(retryDelay(3, () => 1)).toBe(120_000);
    expect(retryDelay(3, () => 0)).toBe(60_000);
    expect(retryDelay(50, () => 1)).toBe(6 * 3600_000);
    const spread = new Set(Array.from({ length: 20 }, () => retryDelay(4)));
    expect(spread.size).toBeGreaterThan(1);
  });
});

describe.each(backends)("job queue on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  const clock = testClock();
  beforeAll(async () => {
    fresh = await freshStore(backend, { now: clock.now, jobs: { random: () => 1 } });
    store = fresh.store;
  });
  afterAll(() => fresh.cleanup());

  it("hands a payload back byte for byte (every byte value); on PostgreSQL by binary COPY, not as hex", async () => {
    const payload = Buffer.concat(
      Array.from({ length: 300 }, () => Buffer.from(Array.from({ length: 256 }, (_, i) => i))),
    );
    const recording = recordPgStatements();
    const { sent } = recording;
    const own = await freshStore(backend, { now: clock.now });
    try {
      const queued = await own.store.jobs.enqueue("bytes", payload);
      sent.length = 0;
      const got = await own.store.jobs.get(queued.id);
      const claimed = await own.store.jobs.claim("w-bytes", 60_000, ["bytes"]);
      expect(Buffer.from(got?.payload ?? []).equals(payload)).toBe(true);
      expect(Buffer.from(claimed?.payload ?? []).equals(payload)).toBe(true);
      if (backend.name === "postgres") {
        const payloadReads = sent.filter((text) => /payload/.test(text) && !/^insert/i.test(text));
        expect(payloadReads).toHaveLength(2);
        expect(payloadReads.every((text) => text.startsWith("/* sealbox:copy-binary */"))).toBe(true);
      }
    } finally {
      recording.stop();
      await own.cleanup();
    }
  });

  it("enqueues, claims the oldest due job of a kind, completes it and purges its payload", async () => {
    const later = await store.jobs.enqueue("smtp", Buffer.from("later"), { runAt: clock.now() + 60_000 });
    clock.advance(1);
    const first = await store.jobs.enqueue("smtp", Buffer.from("payload-1"));
    clock.advance(1);
    await store.jobs.enqueue("other", null);
    const job = await store.jobs.claim("w1", 30_000, ["smtp"]);
    expect(job).toMatchObject({
      id: first.id,
      state: "leased",
      attempts: 1,
      leasedBy: "w1",
      leaseUntil: clock.now() + 30_000,
    });
    expect(Buffer.from(job!.payload!).toString()).toBe("payload-1");
    expect(await store.jobs.claim("w2", 30_000, ["smtp"])).toBeNull(); // the other is not due yet
    expect(await store.jobs.complete(job!)).toBe(true);
    expect(await store.jobs.get(first.id)).toMatchObject({
      state: "done",
      payload: null,
      completedAt: clock.now(),
    });
    expect(await store.jobs.complete(job!)).toBe(false); // only once
    clock.advance(60_000);
    expect((await store.jobs.claim("w2", 30_000, ["smtp"]))?.id).toBe(later.id);
    expect((await store.jobs.claim("w2", 30_000))?.kind).toBe("other");
  });

  it("retries with back-off and ends dead with the last error and the payload kept", async () => {
    const job = await store.jobs.enqueue("retry", Buffer.from("p"), { maxAttempts: 2 });
    const a1 = await store.jobs.claim("w", 10_000, ["retry"]);
    expect(await store.jobs.fail(a1!, "relay said 451")).toEqual({
      state: "queued",
      runAt: clock.now() + 30_000,
    });
    expect(await store.jobs.claim("w", 10_000, ["retry"])).toBeNull();
    clock.advance(30_000);
    const a2 = await store.jobs.claim("w", 10_000, ["retry"]);
    expect(a2?.attempts).toBe(2);
    expect((await store.jobs.fail(a2!, "relay said 550"))?.state).toBe("dead");
    expect(await store.jobs.get(job.id)).toMatchObject({
      state: "dead",
      lastError: "relay said 550",
      attempts: 2,
    });
    expect(Buffer.from((await store.jobs.get(job.id))!.payload!).toString()).toBe("p");
    expect(await store.jobs.retryDead(job.id)).toBe(true);
    expect((await store.jobs.claim("w", 10_000, ["retry"]))?.attempts).toBe(1);
  });

  it("honours an explicit retryAt", async () => {
    await store.jobs.enqueue("at", null);
    const j = await store.jobs.claim("w", 1000, ["at"]);
    expect(await store.jobs.fail(j!, "later please", { retryAt: clock.now() + 5 })).toEqual({
      state: "queued",
      runAt: clock.now() + 5,
    });
  });

  it("fails permanently at once, and release gives a job back with its attempt returned", async () => {
    const doomed = await store.jobs.enqueue("perm", Buffer.from("x"), { maxAttempts: 5 });
    const claimedDoomed = await store.jobs.claim("w", 60_000, ["perm"]);
    expect(claimedDoomed?.id).toBe(doomed.id);
    expect(await store.jobs.fail(claimedDoomed!, "550 no such user", { permanent: true })).toMatchObject({
      state: "dead",
    });
    expect(await store.jobs.get(doomed.id)).toMatchObject({ state: "dead", lastError: "550 no such user" });

    const kept = await store.jobs.enqueue("rel", Buffer.from("y"));
    const first = await store.jobs.claim("w1", 60_000, ["rel"]);
    expect(first?.attempts).toBe(1);
    expect(await store.jobs.release(first!)).toBe(true);
    expect(await store.jobs.get(kept.id)).toMatchObject({ state: "queued", attempts: 0, leasedBy: null });
    // Only the holder may release; the job is claimable again at once.
    const second = await store.jobs.claim("w2", 60_000, ["rel"]);
    expect(await store.jobs.release(first!)).toBe(false);
    expect(second?.attempts).toBe(1);
    expect(await store.jobs.complete(second!)).toBe(true);
  });

  it("releases expired leases; the old holder can no longer complete", async () => {
    const own = await freshStore(backend, { now: clock.now });
    try {
      const q = own.store.jobs;
      const job = await q.enqueue("lease", null, { maxAttempts: 2 });
      const held = await q.claim("crashed-worker", 1_000, ["lease"]);
      expect(await q.extend(held!, 2_000)).toBe(true);
      clock.advance(2_001);
      expect(await q.releaseExpired()).toEqual({ requeued: 1, dead: 0 });
      const again = await q.claim("w2", 1_000, ["lease"]);
      expect(again).toMatchObject({ id: job.id, attempts: 2, leasedBy: "w2" });
      expect(await q.complete(held!)).toBe(false);
      expect(await q.fail(held!, "late")).toBeNull();
      expect(await q.extend(held!, 1_000)).toBe(false);
      clock.advance(1_001);
      expect(await q.releaseExpired()).toEqual({ requeued: 0, dead: 1 });
      expect(await q.get(job.id)).toMatchObject({ state: "dead", lastError: "lease expired" });
    } finally {
      await own.cleanup();
    }
  });

  it("reports depth, in flight, retrying, dead and completions per minute", async () => {
    const own = await freshStore(backend, { now: clock.now });
    try {
      const q = own.store.jobs;
      const start = clock.now();
      for (let i = 0; i < 3; i++) await q.enqueue("s", null);
      await q.enqueue("s", null, { runAt: start + 3_600_000 });
      const a = await q.claim("w", 60_000);
      await q.complete(a!);
      clock.advance(60_000);
      const b = await q.claim("w", 60_000);
      await q.complete(b!);
      const c = await q.claim("w", 60_000);
      const dead = await q.enqueue("s", null, { maxAttempts: 1 });
      clock.advance(1);
      const d = await q.claim("w", 60_000);
      expect(d?.id).toBe(dead.id);
      await q.fail(d!, "boom");
      expect(c).not.toBeNull();
      const stats = await q.stats(3);
      expect(stats).toMatchObject({ queued: 1, due: 0, inFlight: 1, retrying: 0, dead: 1 });
      expect(stats.completedPerMinute).toHaveLength(3);
      expect(stats.completedPerMinute.map((m) => m.count)).toEqual([0, 1, 1]);
      expect(stats.completedPerMinute[2]!.minute).toBe(Math.floor(clock.now() / 60_000) * 60_000);
      expect(await q.purgeCompleted(clock.now() + 1)).toBe(2);
    } finally {
      await own.cleanup();
    }
  });
});

describe.each(backends)("job queue concurrency on $name", (backend) => {
  let fresh: FreshStore;
  beforeAll(async () => {
    fresh = await freshStore(backend);
  });
  afterAll(() => fresh.cleanup());

  async function drain(stores: Store[], consumersPerStore: number, kind: string) {
    const processed: string[] = [];
    const workers = stores.flatMap((s, si) =>
      Array.from({ length: consumersPerStore }, async (_, ci) => {
        const id = `w${si}.${ci}`;
        for (;;) {
          const job = await s.jobs.claim(id, 60_000, [kind]);
          if (!job) return;
          processed.push(job.id);
          // Yield so the consumers genuinely interleave.
          await new Promise((r) => setImmediate(r));
          expect(await s.jobs.complete(job)).toBe(true);
        }
      }),
    );
    await Promise.all(workers);
    return processed;
  }

  it("200 jobs, 8 consumers on one store: each job processed exactly once", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) ids.add((await fresh.store.jobs.enqueue("c1", Buffer.from(String(i)))).id);
    const processed = await drain([fresh.store], 8, "c1");
    expect(processed.length).toBe(200);
    expect(new Set(processed)).toEqual(ids);
  });

  it("200 jobs, 3 separate Store instances on the same database with 3 consumers each", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) ids.add((await fresh.store.jobs.enqueue("c2", null)).id);
    const others = await Promise.all(
      [1, 2, 3].map(() => openStore(fresh.url, { base: fresh.base, logger: silentLogger })),
    );
    try {
      const processed = await drain(others, 3, "c2");
      expect(processed.length).toBe(200);
      expect(new Set(processed)).toEqual(ids);
      const done = await storeInternals(fresh.store)
        .db.selectFrom("jobs")
        .select("id")
        .where("kind", "=", "c2")
        .where("state", "=", "done")
        .execute();
      expect(done.length).toBe(200);
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });
});
