/**
 * SMTP ingest beside Postfix, with Postfix's own load generator: `smtp-source -s 4 -m 300
 * -l 51200` (4 sessions, 300 messages of 50 KB), once with one message per connection and once
 * with connections reused (`-d`), against a throwaway Postfix delivering into a Maildir
 * (postfix-instance.ts) and against the Sealbox worker process on SQLite, on SQLite with a
 * Store Encrypted rule, and on PostgreSQL; fsync on everywhere. Postfix is measured before
 * and after the Sealbox runs and its better figure is the yardstick. Prints msg/s, the ratio
 * to Postfix and the targets (SQLite ≥ 1.0×, Store Encrypted ≥ 0.75×, PostgreSQL ≥ 0.6×).
 *
 *   pnpm bench                              (from apps/worker; as root, see postfix-instance.ts)
 *   BENCH_INGEST_MESSAGES=300 BENCH_INGEST_SESSIONS=4 pnpm bench
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
const LENGTH = 51_200;
const DOMAIN = "bench.test";

type Mode = "per-connection" | "reused";
const MODES: Mode[] = ["per-connection", "reused"];

/** Runs smtp-source once; messages per second over its wall-clock time. */
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
  return messages / seconds;
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

async function postfixRates(): Promise<Record<Mode, number>> {
  const postfix = startPostfix(await freePort(), DOMAIN);
  try {
    await waitForPort(postfix.port);
    await smtpSource(postfix.port, `warm@${DOMAIN}`, "reused", 20);
    const rates = {} as Record<Mode, number>;
    for (const mode of MODES) rates[mode] = await smtpSource(postfix.port, `plain@${DOMAIN}`, mode);
    // Postfix's 250 means queued (fsync'd); the Maildir copies follow. Check they all arrive.
    const want = 20 + MODES.length * MESSAGES;
    const deadline = Date.now() + 60_000;
    while (postfix.delivered() < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (postfix.delivered() < want)
      throw new Error(`Postfix delivered ${postfix.delivered()} of ${want} into the Maildir`);
    return rates;
  } finally {
    postfix.stop();
  }
}

interface SealboxRun {
  label: string;
  target: number;
  rates: Record<Mode, number>;
}

/** Messages the worker's log says it accepted. */
const accepted = (worker: WorkerProcess) => worker.output().split("smtp message accepted").length - 1;

async function sealboxRates(url: string, base: string, encrypted: boolean): Promise<Record<Mode, number>> {
  const store: Store = await openTestStore({ url, base });
  try {
    await store.domains.add(DOMAIN);
    const { account } = await store.accounts.add(`plain@${DOMAIN}`, { password: "pw" });
    await store.accounts.add(`warm@${DOMAIN}`, { password: "pw" });
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
    });
    try {
      await smtpSource(port, `warm@${DOMAIN}`, "reused", 20);
      const rates = {} as Record<Mode, number>;
      for (const mode of MODES) rates[mode] = await smtpSource(port, `plain@${DOMAIN}`, mode);
      const want = 20 + MODES.length * MESSAGES;
      // Each 250 follows its log line; the pipe may lag the last replies a little.
      const deadline = Date.now() + 10_000;
      while (accepted(worker) < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (accepted(worker) !== want) throw new Error(`the worker accepted ${accepted(worker)} of ${want}`);
      if (encrypted) {
        const inbox = await store.mailboxes.require(account.id, "INBOX");
        const page = await store.listMessages(account.id, inbox.id, { limit: 10 });
        if (!page.messages.every((m) => m.security === "encrypted"))
          throw new Error("the Store Encrypted rule did not encrypt");
      }
      return rates;
    } finally {
      worker.kill("SIGTERM");
      await worker.exited;
    }
  } finally {
    await store.close();
  }
}

it("SMTP ingest beside Postfix (smtp-source, 50 KB, with and without connection reuse)", async () => {
  const unavailable = postfixUnavailable();
  if (unavailable) {
    console.log(`ingest vs Postfix: skipped — ${unavailable}`);
    return;
  }
  const before = await postfixRates();
  const runs: SealboxRun[] = [];
  const dir = mkdtempSync(join(tmpdir(), "sealbox-ingest-"));
  const cluster = await startPostgresCluster({ durable: true });
  try {
    const sqlite = (name: string) => `sqlite:${join(dir, name, "sealbox.db")}`;
    runs.push({
      label: "Sealbox SQLite (synchronous=FULL)",
      target: 1.0,
      rates: await sealboxRates(sqlite("plain"), join(dir, "plain"), false),
    });
    runs.push({
      label: "Sealbox SQLite, Store Encrypted",
      target: 0.75,
      rates: await sealboxRates(sqlite("enc"), join(dir, "enc"), true),
    });
    runs.push({
      label: "Sealbox PostgreSQL (fsync=on)",
      target: 0.6,
      rates: await sealboxRates(cluster.url, join(dir, "pg"), false),
    });
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const after = await postfixRates();
  const postfix = Object.fromEntries(MODES.map((m) => [m, Math.max(before[m], after[m])])) as Record<
    Mode,
    number
  >;
  const cell = (rate: number, mode: Mode, target?: number) => {
    const ratio = rate / postfix[mode];
    const verdict =
      target === undefined ? "" : ` (≥ ${target.toFixed(2)}×: ${ratio >= target ? "met" : "NOT met"})`;
    return `${rate.toFixed(0).padStart(5)} msg/s ${ratio.toFixed(2)}×${verdict}`.padEnd(40);
  };
  const lines = [
    `SMTP ingest, smtp-source -s ${SESSIONS} -m ${MESSAGES} -l ${LENGTH}, loopback, fsync on; ratio to Postfix`,
    `${"".padEnd(38)}${"one message per connection".padEnd(40)}connections reused (-d)`,
    `${"Postfix 3 → Maildir (before / after)".padEnd(38)}${`${before["per-connection"].toFixed(0)} / ${after["per-connection"].toFixed(0)} msg/s`.padEnd(40)}${before.reused.toFixed(0)} / ${after.reused.toFixed(0)} msg/s`,
  ];
  for (const r of runs)
    lines.push(
      `${r.label.padEnd(38)}${cell(r.rates["per-connection"], "per-connection", r.target)}${cell(r.rates.reused, "reused", r.target)}`,
    );
  console.log(lines.join("\n"));
  expect(runs.every((r) => r.rates.reused > 0 && r.rates["per-connection"] > 0)).toBe(true);
});
