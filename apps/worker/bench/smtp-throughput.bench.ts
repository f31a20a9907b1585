/**
 * Messages per second over SMTP on loopback into mailboxes — 50 KB messages,
 * durable commits (SQLite synchronous=FULL as the store configures it; PostgreSQL with fsync
 * on), on SQLite and on PostgreSQL, with and without a Store Encrypted rule, in one run.
 * The worker runs as its own process (./bin/sealbox-worker, built), the client here keeps a
 * few SMTP connections open like a sending MTA. Target: Store Encrypted costs ≤ 1.5× plain.
 *
 *   pnpm bench                      (from apps/worker, or the repo root for every package)
 *   BENCH_MESSAGES=500 BENCH_CONNECTIONS=4 pnpm bench
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@sealbox/store";
import nodemailer from "nodemailer";
import { expect, it } from "vitest";
import { openTestStore } from "../test/harness.js";
import { freePort, startPostgresCluster } from "../test/postgres-cluster.js";
import { startWorkerProcess } from "../test/worker-process.js";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 300);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const SIZE = 50 * 1024;
const TARGET_RATIO = 1.5;
const ROUNDS = 6;

/** A 50 KB text message (base64 lines, as an attachment-bearing mail looks). */
function message(i: number, to: string): Buffer {
  const head = `From: bench@remote.example\r\nTo: ${to}\r\nSubject: bench ${i}\r\nMessage-ID: <bench-${i}-${to}>\r\n\r\n`;
  const lines = randomBytes(Math.ceil(((SIZE - head.length) * 3) / 4))
    .toString("base64")
    .replace(/.{76}/g, "$&\r\n");
  return Buffer.from(`${head}${lines}`.slice(0, SIZE));
}

/** Sends `count` messages over `CONNECTIONS` pooled connections; messages per second. */
async function throughput(port: number, to: string, count: number, offset: number): Promise<number> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    pool: true,
    maxConnections: CONNECTIONS,
    maxMessages: Number.POSITIVE_INFINITY,
    ignoreTLS: true,
  });
  const bodies = Array.from({ length: count }, (_, i) => message(offset + i, to));
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let i = next++; i < count; i = next++)
        await transport.sendMail({ envelope: { from: "bench@remote.example", to: [to] }, raw: bodies[i] });
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  transport.close();
  return count / seconds;
}

interface Row {
  engine: string;
  plain: number;
  encrypted: number;
  encryptedForReal: boolean;
}

async function benchEngine(engine: string, url: string, base: string): Promise<Row> {
  const store: Store = await openTestStore({ url, base });
  try {
    await store.domains.add("bench.test");
    await store.accounts.add("plain@bench.test", { password: "pw" });
    const { account } = await store.accounts.add("enc@bench.test", { password: "pw" });
    await store.secureMail.generate(account.id, "Bench secure pw 1"); // RSA-2048, the default
    await store.rules.add(
      { accountId: account.id },
      { name: "all encrypted", actions: [{ action: "Store Encrypted in", argument: "INBOX" }] },
    );
    const port = await freePort();
    const worker = await startWorkerProcess({
      SEALBOX_HOME: base,
      SEALBOX_STORE: url,
      SEALBOX_SMTP_PORT: String(port),
      SEALBOX_LOG_LEVEL: "info", // as in production (one line per message)
    });
    try {
      await throughput(port, "plain@bench.test", 20, 1_000_000); // warm-up
      await throughput(port, "enc@bench.test", 20, 1_000_000);
      // Rounds alternate between the paths, so a slow patch of the (shared) machine hits both alike;
      // each path's rate is its messages over its total time.
      const perRound = Math.ceil(MESSAGES / ROUNDS);
      const seconds = { plain: 0, encrypted: 0 };
      for (let r = 0; r < ROUNDS; r++) {
        seconds.plain += perRound / (await throughput(port, "plain@bench.test", perRound, r * perRound));
        seconds.encrypted += perRound / (await throughput(port, "enc@bench.test", perRound, r * perRound));
      }
      const inbox = await store.mailboxes.require(account.id, "INBOX");
      const page = await store.listMessages(account.id, inbox.id, { limit: 10 });
      const encryptedForReal =
        page.messages.length > 0 && page.messages.every((m) => m.security === "encrypted");
      return {
        engine,
        plain: (perRound * ROUNDS) / seconds.plain,
        encrypted: (perRound * ROUNDS) / seconds.encrypted,
        encryptedForReal,
      };
    } finally {
      worker.kill("SIGTERM");
      await worker.exited;
    }
  } finally {
    await store.close();
  }
}

it("SMTP in: messages per second, plain vs Store Encrypted, SQLite and PostgreSQL", async () => {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), "sealbox-bench-"));
  const cluster = await startPostgresCluster({ durable: true });
  try {
    rows.push(await benchEngine("SQLite (synchronous=FULL)", `sqlite:${join(dir, "sealbox.db")}`, dir));
    rows.push(await benchEngine("PostgreSQL (fsync=on)", cluster.url, dir));
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    `SMTP in, ${MESSAGES} × 50 KB messages per path, ${CONNECTIONS} connections, loopback, durable commits`,
    "engine                      plain msg/s   Store Encrypted msg/s   cost (plain/encrypted)",
  ];
  for (const r of rows) {
    const ratio = r.plain / r.encrypted;
    lines.push(
      `${r.engine.padEnd(28)}${r.plain.toFixed(1).padStart(11)}   ${r.encrypted.toFixed(1).padStart(21)}   ${
        r.encryptedForReal
          ? `${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? "met" : "NOT met"})`
          : "not meaningful: the Store Encrypted hook did not encrypt (stored as plain)"
      }`,
    );
  }
  console.log(lines.join("\n"));
  expect(rows.every((r) => r.plain > 0 && r.encrypted > 0)).toBe(true);
});
