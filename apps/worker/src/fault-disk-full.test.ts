import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmdirSync, statfsSync, unlinkSync, writeSync } from "node:fs";
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
import { freePort } from "../test/postgres-cluster.js";
import { startWorkerProcess, type WorkerProcess } from "../test/worker-process.js";

const ACCOUNTS = ["d0@local.test", "d1@local.test"];
const CLIENTS = 4;
/** The data folder's filesystem: room for the store and a little mail, and a filler file. */
const FILESYSTEM_SIZE = "32m";
/** What the filler leaves free: a few messages' worth, so the disk fills up mid-traffic. */
const ROOM_BYTES = 256 * 1024;
/** How long the disk stays full at least, with clients sending all the while. */
const FULL_MS = 2_000;

/** Writes zeros to `path` until `bytes` are written or the filesystem is full. */
function fill(path: string, bytes: number): number {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(1024 * 1024);
  let written = 0;
  try {
    while (written < bytes) {
      const n = Math.min(chunk.length, bytes - written);
      written += writeSync(fd, chunk, 0, n);
    }
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

/**
 * The data folder (SEALBOX_HOME: the SQLite store and its WAL) on a small tmpfs made for this
 * test, filled up while SMTP clients keep sending to the running worker. While it is full a
 * message is refused with 452 4.3.1 (temporary: the sender keeps it and retries), never 250
 * and never a 5xx that would bounce it; once space is freed the SAME worker accepts mail
 * again. Afterwards the store passes SQLite's integrity check, every message that got 250 is
 * stored exactly once byte for byte, and no refused message left anything behind.
 */
describe("the data folder's disk full under SMTP traffic", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-fault-disk-"));
  const dbPath = join(dir, "sealbox.db");
  const filler = join(dir, "filler");
  let mountRefused: string | undefined;
  let mounted = false;
  let worker: WorkerProcess | undefined;
  let traffic: Traffic | undefined;
  let store: Store | undefined;
  const ids: string[] = [];

  beforeAll(async () => {
    try {
      execFileSync(
        "mount",
        ["-t", "tmpfs", "-o", `size=${FILESYSTEM_SIZE},mode=0700`, "sealbox-fault", dir],
        {
          stdio: "pipe",
        },
      );
      mounted = true;
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      mountRefused = stderr || (error as Error).message;
      return;
    }
    const setup = await openTestStore({ url: `sqlite:${dbPath}`, base: dir });
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
    if (mounted) {
      try {
        execFileSync("umount", [dir], { stdio: "pipe" });
      } catch {
        // Something still holds a file there: detach it now, the kernel frees it when let go.
        execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      }
    }
    rmdirSync(dir);
  });

  it("answers 452 while the disk is full, recovers once space is freed, loses nothing it accepted", async (context) => {
    if (!mounted) {
      console.warn(
        `disk-full test NOT RUN: this machine refused to mount a ${FILESYSTEM_SIZE} tmpfs on ${dir} ` +
          `(${mountRefused}; mounting a tmpfs needs root or CAP_SYS_ADMIN)`,
      );
      context.skip();
      return;
    }
    const began = Date.now();
    const port = await freePort();
    worker = await startWorkerProcess({ SEALBOX_HOME: dir, SEALBOX_SMTP_PORT: String(port) });
    const running = worker;
    const tail = () => running.output().split("\n").slice(-30).join("\n");
    traffic = startTraffic({
      port,
      clients: CLIENTS,
      recipients: ACCOUNTS,
      bytes: (i) => 20_000 + (i % 5) * 10_000,
    });
    const live = traffic;
    const alive = (probe: (all: Attempt[]) => boolean) => (all: Attempt[]) => {
      if (running.child.exitCode !== null || running.child.signalCode !== null)
        throw new Error(
          `the worker exited (${running.child.exitCode ?? running.child.signalCode}):\n${tail()}`,
        );
      return probe(all);
    };
    const since = (at: number, code: (c: number | null) => boolean) => (all: Attempt[]) =>
      all.filter((a) => a.started >= at && code(a.code)).length;

    await live.until(
      alive((all) => since(0, (c) => c === 250)(all) >= 15),
      60_000,
      "15 messages accepted",
    );

    const free = () => {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    };
    const fullAt = Date.now();
    const filled = fill(filler, free() - ROOM_BYTES);
    await live.until(
      alive((all) => Date.now() - fullAt >= FULL_MS && since(fullAt, (c) => c !== 250)(all) >= 10),
      60_000,
      "10 messages refused with the disk full",
    );
    const freedAt = Date.now();
    const freeWhenFull = free();
    unlinkSync(filler);
    await live.until(
      alive((all) => since(freedAt, (c) => c === 250)(all) >= 10),
      60_000,
      "10 messages accepted after freeing space",
    );
    await live.stop();
    const attempts = live.attempts;
    expect(running.child.exitCode, tail()).toBeNull();
    running.kill("SIGTERM");
    expect(await running.exited, tail()).toBe(0);

    // Every attempt got a reply: 250 or a temporary refusal, never a 5xx that would make a sender bounce it.
    for (const a of attempts) {
      expect(a.code, `message ${a.index}: ${a.response}`).not.toBeNull();
      expect(
        a.code === 250 || (a.code !== null && a.code >= 400 && a.code < 500),
        `${a.index}: ${a.response}`,
      ).toBe(true);
    }
    // A refusal for want of space says so: 452 4.3.1 (RFC 3463: mail system full).
    const refused = attempts.filter((a) => a.code !== 250);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    for (const a of refused) {
      expect(a.code, `message ${a.index}: ${a.response}`).toBe(452);
      expect(a.response, `message ${a.index}`).toMatch(/^452 4\.3\.1 /);
    }

    // The store file is sound, as SQLite's own checker sees it (the WAL is replayed first).
    expect(execFileSync("sqlite3", [dbPath, "PRAGMA integrity_check;"], { encoding: "utf8" }).trim()).toBe(
      "ok",
    );

    // Every 250 stored once, byte for byte; every refusal left nothing (its transaction rolled back).
    store = await openTestStore({ url: `sqlite:${dbPath}`, base: dir });
    const stored = await storedByMessageId(store, ids);
    for (const a of attempts) {
      const copies = stored.get(a.messageId) ?? [];
      expect(copies.length, `message ${a.index} (${a.code})`).toBe(a.code === 250 ? 1 : 0);
      for (const copy of copies)
        expect(isExactCopy(copy, a.raw), `message ${a.index} byte for byte`).toBe(true);
    }
    const accepted = attempts.length - refused.length;
    expect([...stored.values()].reduce((n, l) => n + l.length, 0)).toBe(accepted);
    console.log(
      `disk-full test: tmpfs ${FILESYSTEM_SIZE}, filler ${(filled / 2 ** 20).toFixed(1)} MiB ` +
        `(${(freeWhenFull / 1024).toFixed(0)} KiB free when freed); ${attempts.length} attempts (${summary(attempts)}), ` +
        `${accepted} accepted and all stored, integrity_check ok; ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  }, 180_000);
});
