/**
 * Big mail in small memory: (a) one 64 MiB message over SMTP to 20 local recipients whose
 * Store Encrypted rules each take a copy, on SQLite and on PostgreSQL — the worker's peak RSS
 * over its idle RSS (target ≤ 150 MB) and the time from DATA to the 250 (target ≤ 2× what
 * `openssl cms -encrypt` takes for that file, times the 20 copies, on this machine in this
 * run); (b) four such messages at once: the worker stays up and its peak stays within 4× (a).
 *
 * RSS is read from /proc/PID/status of the worker process (VmRSS sampled every 10 ms, and
 * VmHWM, the kernel's own peak, at the end). (b) runs only when 4× (a)'s peak fits in the
 * machine's available memory with room to spare, so a worker that holds every copy in memory
 * cannot take a shared machine down; it says so when it skips.
 *
 *   pnpm bench                  (from apps/worker)
 *   BENCH_BIG_MIB=64 BENCH_BIG_RECIPIENTS=20 pnpm bench
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@sealbox/store";
import { expect, it } from "vitest";
import { openTestStore } from "../test/harness.js";
import { freePort, startPostgresCluster } from "../test/postgres-cluster.js";
import { startWorkerProcess } from "../test/worker-process.js";

const MIB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_BIG_MIB ?? 64) * MIB;
const RECIPIENTS = Number(process.env.BENCH_BIG_RECIPIENTS ?? 20);
const AT_ONCE = 4;
const RSS_TARGET_MB = 150;
const DOMAIN = "big.test";

/** A SIZE-byte message: a header block, then base64 lines (what a big attachment looks like). */
function bigMessage(): Buffer {
  const head = Buffer.from(
    `From: big@remote.example\r\nTo: r0@${DOMAIN}\r\nSubject: big\r\nMessage-ID: <big@remote.example>\r\n` +
      "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n",
  );
  const line = 78; // 76 characters and CRLF
  const lines = Math.floor((SIZE - head.length) / line);
  const body = Buffer.alloc(SIZE - head.length, "A");
  const random = randomBytes(57 * 1024).toString("base64"); // 76-char lines cut from it
  for (let i = 0; i < lines; i++) {
    const at = i * line;
    body.write(
      random.slice((i * 76) % (random.length - 76), ((i * 76) % (random.length - 76)) + 76),
      at,
      "latin1",
    );
    body.write("\r\n", at + 76, "latin1");
  }
  // The remainder (less than a line) stays "A…"; end on CRLF so DATA's terminator is clean.
  body.write("\r\n", body.length - 2, "latin1");
  return Buffer.concat([head, body]);
}

/** Worker memory in bytes from /proc: the current resident set and the kernel's peak. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Samples VmRSS until stopped; the highest value seen. */
function sampler(pid: number): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memory(pid).rss);
    } catch {
      // The process is gone: the caller sees that.
    }
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      try {
        const m = memory(pid);
        peak = Math.max(peak, m.rss, m.hwm);
      } catch {}
      return peak;
    },
  };
}

/** One SMTP transaction with a bare client; resolves with the final reply and ms from DATA to it. */
async function send(port: number, raw: Buffer, recipients: string[]): Promise<{ reply: string; ms: number }> {
  const socket: Socket = connect({ port, host: "127.0.0.1" });
  let buffer = "";
  let waiting: ((line: string) => void) | undefined;
  socket.on("data", (c: Buffer) => {
    buffer += c.toString("latin1");
    const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
    if (m && waiting) {
      const reply = buffer.slice(0, m.index + m[0].length).trim();
      buffer = buffer.slice(m.index + m[0].length);
      const w = waiting;
      waiting = undefined;
      w(reply);
    }
  });
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  socket.on("error", () => {});
  const next = () => new Promise<string>((r) => (waiting = r));
  const command = async (line: string, expect: RegExp) => {
    const reply = next();
    socket.write(`${line}\r\n`);
    const got = await reply;
    if (!expect.test(got)) throw new Error(`${line} → ${got}`);
  };
  try {
    const greeting = await next();
    if (!/^220/.test(greeting)) throw new Error(`greeting: ${greeting}`);
    await command("EHLO bench.remote.example", /^250/);
    await command("MAIL FROM:<big@remote.example>", /^250/);
    for (const r of recipients) await command(`RCPT TO:<${r}>`, /^250/);
    await command("DATA", /^354/);
    const started = performance.now();
    const reply = next();
    // The body has no line starting with "." (base64), so it goes as is.
    socket.write(raw);
    socket.write(".\r\n");
    const final = await reply;
    const ms = performance.now() - started;
    socket.write("QUIT\r\n");
    return { reply: final, ms };
  } finally {
    socket.end();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000))]);
    socket.destroy();
  }
}

/** `openssl cms -encrypt` of the file to one RSA-2048 recipient with AES-256-CBC (Sealbox's default), in ms. */
function opensslEncryptMs(dir: string, file: string): number {
  const cert = join(dir, "cert.pem");
  const made = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      cert,
      "-subj",
      "/CN=bench",
      "-days",
      "2",
    ],
    { encoding: "utf8" },
  );
  if (made.status !== 0) throw new Error(`openssl req: ${made.stderr}`);
  const started = performance.now();
  const run = spawnSync(
    "openssl",
    [
      "cms",
      "-encrypt",
      "-binary",
      "-aes256",
      "-in",
      file,
      "-out",
      join(dir, "out.p7m"),
      "-outform",
      "DER",
      cert,
    ],
    { encoding: "utf8" },
  );
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`openssl cms -encrypt: ${run.stderr}`);
  rmSync(join(dir, "out.p7m"), { force: true });
  return ms;
}

interface Figures {
  engine: string;
  one?: { idle: number; peak: number; ms: number; reply: string };
  four?: { idle: number; peak: number; replies: string[]; up: boolean } | { skipped: string };
}

async function benchEngine(engine: string, url: string, base: string, raw: Buffer): Promise<Figures> {
  const store: Store = await openTestStore({ url, base });
  const recipients: string[] = [];
  try {
    await store.domains.add(DOMAIN);
    for (let i = 0; i < RECIPIENTS; i++) {
      const address = `r${i}@${DOMAIN}`;
      const { account } = await store.accounts.add(address, { password: "pw" });
      await store.secureMail.generate(account.id, "Bench secure pw 1");
      await store.rules.add(
        { accountId: account.id },
        { name: "all encrypted", actions: [{ action: "Store Encrypted in", argument: "INBOX" }] },
      );
      recipients.push(address);
    }
  } finally {
    await store.close();
  }
  const figures: Figures = { engine };
  const start = async () => {
    const port = await freePort();
    const worker = await startWorkerProcess({
      SEALBOX_HOME: base,
      SEALBOX_STORE: url,
      SEALBOX_SMTP_PORT: String(port),
      // Room for the Received: header on top of a message of exactly SIZE.
      SEALBOX_SMTP_MAX_BYTES: String(SIZE + MIB),
      SEALBOX_SMTP_DATA_TIMEOUT_MS: "1800000",
    });
    // Idle: after start-up, once the heap has settled.
    await new Promise((r) => setTimeout(r, 1_000));
    return { port, worker, idle: memory(worker.child.pid as number).rss };
  };

  // (a) one message.
  {
    const { port, worker, idle } = await start();
    try {
      const sample = sampler(worker.child.pid as number);
      const { reply, ms } = await send(port, raw, recipients);
      figures.one = { idle, peak: sample.stop(), ms, reply };
    } finally {
      worker.kill("SIGTERM");
      await worker.exited;
    }
  }

  // (b) four at once, in a fresh worker (VmHWM is per process).
  const available =
    Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0) * 1024;
  const need = AT_ONCE * ((figures.one?.peak ?? 0) - (figures.one?.idle ?? 0)) + 2 * 1024 * MIB;
  if (need > available) {
    figures.four = {
      skipped: `4 × (a)'s growth + 2 GiB = ${(need / MIB).toFixed(0)} MiB > ${(available / MIB).toFixed(0)} MiB available`,
    };
  } else {
    const { port, worker, idle } = await start();
    try {
      const sample = sampler(worker.child.pid as number);
      const results = await Promise.allSettled(
        Array.from({ length: AT_ONCE }, () => send(port, raw, recipients)),
      );
      const peak = sample.stop();
      const up = worker.child.exitCode === null && worker.child.signalCode === null;
      figures.four = {
        idle,
        peak,
        up,
        replies: results.map((r) =>
          r.status === "fulfilled" ? r.value.reply : `failed: ${String(r.reason)}`,
        ),
      };
    } finally {
      worker.kill("SIGTERM");
      await worker.exited;
    }
  }
  return figures;
}

const mb = (bytes: number) => bytes / 1e6;

it(`${SIZE / MIB} MiB to ${RECIPIENTS} Store Encrypted recipients: worker memory and time to the 250`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-big-"));
  const rows: Figures[] = [];
  let opensslMs = 0;
  const cluster = await startPostgresCluster({ durable: true });
  try {
    const raw = bigMessage();
    const file = join(dir, "message.eml");
    writeFileSync(file, raw);
    opensslMs = opensslEncryptMs(dir, file);
    for (const name of ["sqlite", "pg"]) mkdirSync(join(dir, name));
    rows.push(
      await benchEngine("SQLite", `sqlite:${join(dir, "sqlite", "sealbox.db")}`, join(dir, "sqlite"), raw),
    );
    rows.push(await benchEngine("PostgreSQL", cluster.url, join(dir, "pg"), raw));
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const timeTarget = 2 * opensslMs * RECIPIENTS;
  const lines = [
    `${SIZE / MIB} MiB message, ${RECIPIENTS} local recipients with Store Encrypted rules (RSA-2048, AES-256-CBC), over SMTP`,
    `openssl cms -encrypt of the file: ${opensslMs.toFixed(0)} ms; × ${RECIPIENTS} copies × 2 = time target ${(timeTarget / 1000).toFixed(1)} s`,
  ];
  for (const r of rows) {
    if (r.one) {
      const growth = mb(r.one.peak - r.one.idle);
      lines.push(
        `${r.engine.padEnd(11)}(a) one: reply "${r.one.reply.slice(0, 40)}", peak RSS ${mb(r.one.peak).toFixed(0)} MB over idle ${mb(r.one.idle).toFixed(0)} MB = +${growth.toFixed(0)} MB (target ≤ ${RSS_TARGET_MB}: ${growth <= RSS_TARGET_MB ? "met" : "NOT met"}); DATA→250 ${(r.one.ms / 1000).toFixed(1)} s (target ≤ ${(timeTarget / 1000).toFixed(1)} s: ${r.one.ms <= timeTarget ? "met" : "NOT met"})`,
      );
    }
    if (r.four && "skipped" in r.four)
      lines.push(`${"".padEnd(11)}(b) four at once: skipped — ${r.four.skipped}`);
    else if (r.four && r.one) {
      const growth = mb(r.four.peak - r.four.idle);
      const limit = 4 * mb(r.one.peak - r.one.idle);
      lines.push(
        `${"".padEnd(11)}(b) four at once: worker ${r.four.up ? "up" : "DOWN"}; replies ${r.four.replies.map((x) => x.slice(0, 3)).join(" ")}; peak RSS +${growth.toFixed(0)} MB (target ≤ 4 × (a) = ${limit.toFixed(0)} MB: ${r.four.up && growth <= limit ? "met" : "NOT met"})`,
      );
    }
  }
  console.log(lines.join("\n"));
  // Figures are reported, not asserted (a shared machine's speed varies); what must hold is that
  // every message was accepted and the worker stayed up.
  for (const r of rows) {
    expect(r.one?.reply, r.engine).toMatch(/^250 /);
    if (r.four && !("skipped" in r.four)) {
      expect(r.four.up, r.engine).toBe(true);
      for (const reply of r.four.replies) expect(reply, r.engine).toMatch(/^250 /);
    }
  }
});
