import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Attempt,
  isExactCopy,
  startTraffic,
  storedByMessageId,
  summary,
  type Traffic,
} from "../test/fault-traffic.js";
import { openTestStore } from "../test/harness.js";
import { freePort, type PostgresCluster, startPostgresCluster } from "../test/postgres-cluster.js";
import { startWorkerProcess, type WorkerProcess } from "../test/worker-process.js";

const ACCOUNTS = ["p0@local.test", "p1@local.test", "p2@local.test"];
const CLIENTS = 6;
/** How long each outage lasts at least: long enough for the pool's idle connections to be found dead. */
const OUTAGE_MS = 3_000;

/**
 * PostgreSQL shut down under the running worker while SMTP clients keep sending, with a fast
 * shutdown (sessions told to end), an immediate one (no checkpoint, crash recovery on start)
 * and a fast one again, each time started again on the same port and data directory. While
 * it is down every new message is answered 451 (a sender keeps it and retries); once it is
 * back the SAME worker process accepts mail again; every message that got 250 is stored
 * exactly once, byte for byte. The cluster is this file's own, so stopping it disturbs no other test.
 */
describe("PostgreSQL restarted under SMTP traffic", () => {
  let cluster: PostgresCluster;
  let home: string;
  let worker: WorkerProcess | undefined;
  let traffic: Traffic | undefined;
  let store: Store | undefined;
  const ids: string[] = [];

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    home = mkdtempSync(join(tmpdir(), "sealbox-fault-pg-"));
    const setup = await openTestStore({ url: cluster.url, base: home });
    try {
      await setup.domains.add("local.test");
      for (const address of ACCOUNTS)
        ids.push((await setup.accounts.add(address, { password: "pw" })).account.id);
    } finally {
      await setup.close();
    }
  });

  afterAll(async () => {
    await traffic?.stop();
    if (worker) {
      worker.kill("SIGKILL");
      await worker.exited;
    }
    await store?.close();
    // Whatever state a failed test left it in (halted or running), this removes it.
    await cluster?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("answers 451 while PostgreSQL is down, recovers without a restart, loses nothing it accepted", async () => {
    const began = Date.now();
    const port = await freePort();
    worker = await startWorkerProcess({
      SEALBOX_HOME: home,
      SEALBOX_STORE: cluster.url,
      SEALBOX_SMTP_PORT: String(port),
    });
    const running = worker;
    const pid = running.child.pid;
    const tail = () => running.output().split("\n").slice(-30).join("\n");
    traffic = startTraffic({
      port,
      clients: CLIENTS,
      recipients: ACCOUNTS,
      bytes: (i) => 2_000 + (i % 7) * 3_000,
    });
    const live = traffic;
    const accepted = (after: number) => (all: Attempt[]) =>
      all.filter((a) => a.started >= after && a.code === 250).length;
    // Waiting on the traffic stops at once if the worker dies: that is a failure in itself.
    const alive = (probe: (all: Attempt[]) => boolean) => (all: Attempt[]) => {
      if (running.child.exitCode !== null || running.child.signalCode !== null)
        throw new Error(
          `the worker exited (${running.child.exitCode ?? running.child.signalCode}):\n${tail()}`,
        );
      return probe(all);
    };

    await live.until(
      alive((all) => accepted(0)(all) >= 20),
      60_000,
      "20 messages accepted before the fault",
    );
    const windows: Array<{ mode: string; down: number; restarting: number; up: number }> = [];
    for (const mode of ["fast", "immediate", "fast"] as const) {
      await cluster.halt(mode);
      const down = Date.now();
      // Down for a few seconds and enough complete SMTP transactions to see what a sender gets.
      await live.until(
        alive((all) => Date.now() - down >= OUTAGE_MS && all.filter((a) => a.started >= down).length >= 12),
        60_000,
        `12 attempts with PostgreSQL down (${mode})`,
      );
      // From here PostgreSQL may accept connections before start() sees it ready: the outage
      // for the assertions below is halt() done .. start() called.
      const restarting = Date.now();
      await cluster.start();
      const up = Date.now();
      windows.push({ mode, down, restarting, up });
      await live.until(
        alive((all) => accepted(up)(all) >= 15),
        90_000,
        `15 messages accepted after the ${mode} restart`,
      );
      expect(running.child.exitCode, `the worker exited:\n${tail()}`).toBeNull();
    }
    await live.stop();
    const attempts = live.attempts;

    // The same worker process served throughout: no restart was needed.
    expect(running.child.exitCode, tail()).toBeNull();
    expect(running.child.signalCode, tail()).toBeNull();
    expect(running.child.pid).toBe(pid);
    running.kill("SIGTERM");
    await running.exited;

    // Every attempt got a reply: 250 or a temporary 4xx, never a 5xx that would make a sender bounce it.
    for (const a of attempts) {
      expect(a.code, `message ${a.index}: ${a.response}`).not.toBeNull();
      expect(
        a.code === 250 || (a.code !== null && a.code >= 400 && a.code < 500),
        `${a.index}: ${a.response}`,
      ).toBe(true);
    }
    // Every attempt made wholly while the server was down: 451, nothing else.
    for (const { mode, down, restarting } of windows) {
      const inside = attempts.filter((a) => a.started >= down && a.ended <= restarting);
      expect(inside.length, `attempts wholly inside the ${mode} outage`).toBeGreaterThanOrEqual(5);
      for (const a of inside) expect(a.code, `message ${a.index} (${mode} outage): ${a.response}`).toBe(451);
    }

    // Nothing accepted is lost, nothing is stored twice, every copy is exactly what was sent.
    store = await openTestStore({ url: cluster.url, base: home });
    const stored = await storedByMessageId(store, ids);
    let refusedButStored = 0;
    for (const a of attempts) {
      const copies = stored.get(a.messageId) ?? [];
      if (a.code === 250) expect(copies.length, `accepted message ${a.index}`).toBe(1);
      // A reply lost with the connection to PostgreSQL mid-COMMIT may leave a 451 message stored:
      // the sender retries it, so it arrives twice, never zero times.
      else {
        expect(copies.length, `refused message ${a.index}`).toBeLessThanOrEqual(1);
        refusedButStored += copies.length;
      }
      for (const copy of copies)
        expect(isExactCopy(copy, a.raw), `message ${a.index} byte for byte`).toBe(true);
    }
    const acceptedCount = attempts.filter((a) => a.code === 250).length;
    console.log(
      `PostgreSQL restart test: ${attempts.length} attempts (${summary(attempts)}), ${acceptedCount} accepted and ` +
        `all stored, ${refusedButStored} refused ones stored anyway; outages ${windows
          .map((w) => `${w.mode} ${((w.restarting - w.down) / 1000).toFixed(1)} s`)
          .join(", ")}; ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  }, 240_000);
});
