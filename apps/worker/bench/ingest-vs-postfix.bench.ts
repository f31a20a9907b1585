/**
 * SMTP ingest beside Postfix, with Postfix's own load generator: `smtp-source -s 4 -m 300
 * -l 51200` (4 sessions, 300 messages of 50 KB), once with one message per connection and once
 * with connections reused (`-d`), against a throwaway Postfix delivering into a Maildir
 * (postfix-instance.ts) and against the Sealbox worker process on SQLite, on SQLite with a
 * Store Encrypted rule, and on PostgreSQL; fsync on everywhere. All four servers run at once
 * (idle ones cost nothing) and are measured in turn, round after round, so a busy spell of a
 * shared machine hits them alike; each rate is its messages over its total time. Prints msg/s,
 * the ratio to Postfix and the targets (SQLite ≥ 1.0×, Store Encrypted ≥ 0.75×, PostgreSQL ≥ 0.6×).
 * Each server is first warmed up with 2,000 messages in each mode to the recipient it is measured
 * with (so the Store Encrypted path warms too): what is measured is a running server, not a cold
 * one. A long-running worker has its hot code compiled by V8's optimising compiler; after 300
 * messages that compiler was still running on V8's helper threads here (about a tenth of the
 * worker's CPU), and the per-connection rate on SQLite rose by about a third between 300 and
 * 4,000 messages. Postfix's processes start and settle likewise. Eight rounds: one round of 300
 * messages lasts about half a second per server, and Postfix's own figure moved by a third
 * between single rounds here.
 *
 *   pnpm bench                              (from apps/worker; as root, see postfix-instance.ts)
 *   BENCH_INGEST_MESSAGES=300 BENCH_INGEST_SESSIONS=4 BENCH_INGEST_ROUNDS=8 BENCH_INGEST_WARM_UP=2000 pnpm bench
 *   BENCH_DELIVERY_THREAD=0 pnpm bench      (the worker with SEALBOX_SMTP_DELIVERY_THREAD=0)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@sealbox/store";
import { expect, it } from "vitest";
import { openTestStore } from "../test/harness.js";
import { freePort, startPostgresCluster } from "../test/postgres-cluster.js";
import { startWorkerProcess, type WorkerProcess } from "../test/worker-process.js";
import { findProgram, postfixUnavailable, startPostfix } from "./postfix-instance.js";

const MESSAGES = Number(process.env.BENCH_INGEST_MESSAGES ?? 300);
const SESSIONS = Number(process.env.BENCH_INGEST_SESSIONS ?? 4);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 8);
/** Warm-up messages per mode (see above). */
const WARM_UP = Number(process.env.BENCH_INGEST_WARM_UP ?? 2000);
const LENGTH = 51_200;
const DOMAIN = "bench.test";

type Mode = "per-connection" | "reused";
const MODES: Mode[] = ["per-connection", "reused"];

/** Runs smtp-source once; its wall-clock seconds. */
async function smtpSource(port: number, to: string, mode: Mode, messages = MESSAGES): Promise<number> {
  const args = [
    ...(mode === "reused" ? ["-d"] : []),
    "-s",
    String(SESSIONS),
    "-m",
    String(messages),
    "-l",
    String(LENGTH),
    "-f",
    "bench@remote.example",
    "-t",
    to,
    `127.0.0.1:${port}`,
  ];
  const started = process.hrtime.bigint();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const p = spawn(findProgram("smtp-source") as string, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    p.stdout.on("data", (c: Buffer) => {
      output += c.toString();
    });
    p.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    p.once("exit", (c) => resolve({ code: c, output }));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // smtp-source stops at the first refused command ("fatal: ...") with a non-zero status.
  if (code !== 0 || /fatal|error/i.test(output))
    throw new Error(`smtp-source ${args.join(" ")} failed (${code}): ${output}`);
  return seconds;
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: "127.0.0.1" });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Server {
  label: string;
  /** Ratio to Postfix to reach; none for Postfix itself. */
  target?: number;
  port: number;
  /** Messages it has taken so far (checked at the end). */
  taken(): number;
  seconds: Record<Mode, number>;
  /** Each round's rate (msg/s), to show how much a single round moves. */
  rounds: Record<Mode, number[]>;
  stop(): Promise<void>;
}

/** Messages the worker's log says it accepted. */
const accepted = (worker: WorkerProcess) => worker.output().split("smtp message accepted").length - 1;

async function sealboxServer(
  label: string,
  target: number,
  url: string,
  base: string,
  encrypted: boolean,
): Promise<Server & { check(): Promise<void> }> {
  const store: Store = await openTestStore({ url, base });
  await store.domains.add(DOMAIN);
  const { account } = await store.accounts.add(`plain@${DOMAIN}`, { password: "pw" });
  if (encrypted) {
    await store.secureMail.generate(account.id, "Bench secure pw 1"); // RSA-2048, the default
    await store.rules.add(
      { accountId: account.id },
      { name: "all encrypted", actions: [{ action: "Store Encrypted in", argument: "INBOX" }] },
    );
  }
  const port = await freePort();
  const worker = await startWorkerProcess({
    SEALBOX_HOME: base,
    SEALBOX_STORE: url,
    SEALBOX_SMTP_PORT: String(port),
    SEALBOX_LOG_LEVEL: "info", // as in production (one line per message)
    ...(process.env.BENCH_DELIVERY_THREAD
      ? { SEALBOX_SMTP_DELIVERY_THREAD: process.env.BENCH_DELIVERY_THREAD }
      : {}),
  });
  return {
    label,
    target,
    port,
    taken: () => accepted(worker),
    seconds: { "per-connection": 0, reused: 0 },
    rounds: { "per-connection": [], reused: [] },
    async check() {
      if (!encrypted) return;
      const inbox = await store.mailboxes.require(account.id, "INBOX");
      const page = await store.listMessages(account.id, inbox.id, { limit: 10 });
      if (!page.messages.every((m) => m.security === "encrypted"))
        throw new Error("the Store Encrypted rule did not encrypt");
    },
    async stop() {
      worker.kill("SIGTERM");
      await worker.exited;
      await store.close();
    },
  };
}

it("SMTP ingest beside Postfix (smtp-source, 50 KB, with and without connection reuse)", async (ctx) => {
  const unavailable = postfixUnavailable();
  if (unavailable) {
    // Reported as skipped, not passed, with the reason.
    console.log(`ingest vs Postfix: skipped — ${unavailable}`);
    ctx.skip();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "sealbox-ingest-"));
  const cluster = await startPostgresCluster({ durable: true });
  const servers: Server[] = [];
  const sealbox: Array<Awaited<ReturnType<typeof sealboxServer>>> = [];
  try {
    const postfix = startPostfix(await freePort(), DOMAIN);
    servers.push({
      label: "Postfix 3 → Maildir",
      port: postfix.port,
      taken: () => postfix.delivered(),
      seconds: { "per-connection": 0, reused: 0 },
      rounds: { "per-connection": [], reused: [] },
      stop: async () => postfix.stop(),
    });
    await waitForPort(postfix.port);
    const sqlite = (name: string) => `sqlite:${join(dir, name, "sealbox.db")}`;
    sealbox.push(await sealboxServer("Sealbox SQLite", 1.0, sqlite("plain"), join(dir, "plain"), false));
    sealbox.push(
      await sealboxServer("Sealbox SQLite, Store Encrypted", 0.75, sqlite("enc"), join(dir, "enc"), true),
    );
    sealbox.push(
      await sealboxServer("Sealbox PostgreSQL (fsync=on)", 0.6, cluster.url, join(dir, "pg"), false),
    );
    servers.push(...sealbox);
    for (const server of servers)
      for (const mode of MODES) await smtpSource(server.port, `plain@${DOMAIN}`, mode, WARM_UP);
    for (let round = 0; round < ROUNDS; round++)
      for (const mode of MODES)
        for (const server of servers) {
          const seconds = await smtpSource(server.port, `plain@${DOMAIN}`, mode);
          server.seconds[mode] += seconds;
          server.rounds[mode].push(MESSAGES / seconds);
        }
    // Every message must have been taken: Postfix's Maildir copies follow its 250 (queued and
    // fsync'd); the worker's log line comes just before its 250 and the pipe may lag a little.
    const want = MODES.length * (WARM_UP + ROUNDS * MESSAGES);
    const deadline = Date.now() + 60_000;
    while (servers.some((s) => s.taken() < want) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    for (const s of servers)
      if (s.taken() !== want) throw new Error(`${s.label} took ${s.taken()} of ${want}`);
    for (const s of sealbox) await s.check();
  } finally {
    for (const s of servers) await s.stop();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const rate = (s: Server, mode: Mode) => (ROUNDS * MESSAGES) / s.seconds[mode];
  const postfix = servers[0] as Server;
  const cell = (s: Server, mode: Mode) => {
    const ratio = rate(s, mode) / rate(postfix, mode);
    const verdict =
      s.target === undefined ? "" : ` (≥ ${s.target.toFixed(2)}×: ${ratio >= s.target ? "met" : "NOT met"})`;
    return `${rate(s, mode).toFixed(0).padStart(5)} msg/s ${ratio.toFixed(2)}×${verdict}`.padEnd(42);
  };
  const spread = (s: Server, mode: Mode) =>
    `${Math.min(...s.rounds[mode])
      .toFixed(0)
      .padStart(5)}–${Math.max(...s.rounds[mode]).toFixed(0)}`;
  const lines = [
    `SMTP ingest, smtp-source -s ${SESSIONS} -m ${MESSAGES} -l ${LENGTH} × ${ROUNDS} rounds, loopback, fsync on; ratio to Postfix`,
    `${"".padEnd(34)}${"one message per connection".padEnd(42)}connections reused (-d)`,
    ...servers.map((s) => `${s.label.padEnd(34)}${cell(s, "per-connection")}${cell(s, "reused")}`),
    "single rounds, lowest–highest msg/s:",
    ...servers.map(
      (s) => `${s.label.padEnd(34)}${spread(s, "per-connection").padEnd(42)}${spread(s, "reused")}`,
    ),
  ];
  console.log(lines.join("\n"));
  expect(servers.every((s) => s.seconds.reused > 0 && s.seconds["per-connection"] > 0)).toBe(true);
});
