/**
 * Web benchmark: 20 concurrent signed-in sessions on loopback against the built web UI
 * (serve.mjs), each with its Secure Mail unlocked:
 *   - open: mail.read of a 10 KB signed-and-encrypted message (decrypt + verify per request);
 *   - list: mail.list, one page (50) of a 100,000-message mailbox;
 * on SQLite and on PostgreSQL (a throwaway cluster on loopback). Requests/s, p50, p99 and
 * errors; OpenSSL opening the same message (cms -decrypt then -verify, one process each, as
 * a command-line peer would) in the same run for scale; and the mail page's first-load
 * JavaScript, gzip-compressed, as Chromium loads it.
 *
 *   pnpm bench            (in apps/web: builds, then runs this)
 *   BENCH_SECONDS=10 BENCH_MESSAGES=100000 BENCH_ENGINES=sqlite,postgres BENCH_LOADS=open,list,page
 *   BENCH_CPU_PROF=DIR
 *   BENCH_NODE_ARGS="--single-threaded-gc"   (node options for the web processes, to compare settings)
 *
 * Besides latency, each load reports the web processes' CPU time per request (Linux /proc):
 * on a machine shared with other work, throughput and latency move with the neighbours, while
 * CPU per request compares one build with another.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { openStore, type Store, silentLogger } from "@sealbox/store";
import autocannon from "autocannon";
import pg from "pg";
import { chromium } from "playwright-core";
import { fillMailbox } from "../../../packages/store/bench/fill-mailbox.js";
import { freePort, startPostgresCluster } from "../../../tooling/test-support/postgres-cluster.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const SESSIONS = 20;
const SECRET = "web bench server secret of a decent length";
const SMP = "bench Secure Mail Password";
const webDir = resolve(import.meta.dirname, "..");

interface Seeded {
  accountId: string;
  inboxId: string;
  messageId: string;
  messageBytes: Uint8Array;
  tokens: string[];
}

async function seed(store: Store): Promise<Seeded> {
  const { account: alice } = await store.accounts.add("alice@bench.example", {
    password: "login password",
    createDomain: true,
    realName: "Alice Bench",
  });
  const { account: bob } = await store.accounts.add("bob@bench.example", {
    password: "login password",
    realName: "Bob Bench",
  });
  await store.secureMail.generate(alice.id, SMP);
  await store.secureMail.generate(bob.id, SMP);
  const inbox = await store.mailboxes.require(alice.id, "INBOX");
  await fillMailbox(store, inbox.id, MESSAGES);
  const body = "This is a benchmark message. ".repeat(330).replace(/(.{70})/g, "$1\r\n");
  const raw = Buffer.from(
    `From: Bob Bench <bob@bench.example>\r\nTo: alice@bench.example\r\nSubject: ten kilobytes\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
  );
  await store.send(bob.id, raw, { sign: true, encrypt: true, securePassword: SMP });
  const page = await store.listMessages(alice.id, inbox.id, {
    search: { text: "ten kilobytes", in: "subject" },
  });
  const message = page.messages[0];
  if (!message) throw new Error("the signed and encrypted message did not arrive");
  const tokens: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const { token } = await store.sessions.create(alice.id, { client: "127.0.0.1" });
    await store.secureMail.unlock(alice.id, token, SMP);
    tokens.push(token);
  }
  // The unlocks must outlive the run.
  await store.domains.set("bench.example", { unlockSeconds: 3600 });
  for (const token of tokens) await store.secureMail.unlock(alice.id, token, SMP);
  return {
    accountId: alice.id,
    inboxId: inbox.id,
    messageId: message.id,
    messageBytes: await store.messages.raw(alice.id, message.id),
    tokens,
  };
}

const LOADS = (process.env.BENCH_LOADS ?? "open,list,page").split(",");

interface Web {
  url: string;
  /** CPU seconds (user + system) the web processes have used so far; NaN without /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** User + system CPU seconds of a process and, recursively, its children (the cluster's workers). */
function processTreeCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  let seconds = (Number(fields[11]) + Number(fields[12])) / 100;
  let children = "";
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
  } catch {}
  for (const child of children.split(" ").filter(Boolean)) {
    try {
      seconds += processTreeCpuSeconds(Number(child));
    } catch {}
  }
  return seconds;
}

async function startWeb(env: Record<string, string>): Promise<Web> {
  const port = await freePort();
  // BENCH_CPU_PROF=DIR writes a V8 CPU profile of the web process there (for finding hot spots).
  const prof = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  // The cluster's workers inherit the primary's node options.
  const extra = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(
    "node",
    [...prof, ...extra, "serve.mjs", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: webDir,
      env: {
        ...process.env,
        ...env,
        NODE_ENV: "production",
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/api/trpc/system.info`);
      break;
    } catch {
      if (i > 300) throw new Error("the web UI did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    cpuSeconds: () => {
      try {
        return processTreeCpuSeconds(child.pid as number);
      } catch {
        return Number.NaN;
      }
    },
    stop: () =>
      new Promise((done) => {
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** Web processes' CPU milliseconds per request. */
  cpuMs: number;
}

async function load(web: Web, path: string, tokens: string[]): Promise<Result> {
  const url = web.url;
  let next = 0;
  const run = (seconds: number) =>
    autocannon({
      url,
      connections: SESSIONS,
      duration: seconds,
      requests: [
        {
          method: "GET",
          path,
          // One session per connection: 20 signed-in users, each with its own unlock.
          setupRequest: (req, context) => {
            const c = context as { token?: string };
            c.token ??= tokens[next++ % tokens.length];
            return { ...req, headers: { ...req.headers, cookie: `sealbox_session=${c.token}` } };
          },
        },
      ],
    });
  await run(2); // warm up
  const cpu0 = web.cpuSeconds();
  const r = await run(SECONDS);
  const cpu = web.cpuSeconds() - cpu0;
  return {
    cpuMs: (cpu * 1000) / Math.max(1, r.requests.total),
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx + r.timeouts,
    requests: r.requests.total,
  };
}

function opensslOpen(bytes: Uint8Array, keyPem: string, certPem: string, caPem: string): number {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-web-bench-openssl-"));
  try {
    writeFileSync(join(dir, "m.eml"), bytes);
    writeFileSync(join(dir, "k.pem"), keyPem);
    writeFileSync(join(dir, "c.pem"), certPem);
    writeFileSync(join(dir, "ca.pem"), caPem);
    const runs = 50;
    const t = performance.now();
    for (let i = 0; i < runs; i++) {
      const d = spawnSync("openssl", [
        "cms",
        "-decrypt",
        "-in",
        join(dir, "m.eml"),
        "-inkey",
        join(dir, "k.pem"),
        "-recip",
        join(dir, "c.pem"),
      ]);
      if (d.status !== 0) throw new Error(`openssl cms -decrypt: ${d.stderr}`);
      const v = spawnSync("openssl", ["cms", "-verify", "-CAfile", join(dir, "ca.pem"), "-purpose", "any"], {
        input: d.stdout,
      });
      if (v.status !== 0) throw new Error(`openssl cms -verify: ${v.stderr}`);
    }
    return runs / ((performance.now() - t) / 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function firstLoadJs(
  url: string,
  token: string,
  inboxName = "INBOX",
): Promise<{ files: number; raw: number; gzip: number }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const context = await browser.newContext();
    await context.addCookies([{ name: "sealbox_session", value: token, url }]);
    const page = await context.newPage();
    const scripts = new Set<string>();
    page.on("response", (r) => {
      if (r.request().resourceType() === "script") scripts.add(r.url());
    });
    await page.goto(`${url}/mail/${inboxName}`, { waitUntil: "networkidle" });
    let raw = 0;
    let gzip = 0;
    for (const s of scripts) {
      const body = Buffer.from(await (await fetch(s)).arrayBuffer());
      raw += body.length;
      gzip += gzipSync(body).length;
    }
    return { files: scripts.size, raw, gzip };
  } finally {
    await browser.close();
  }
}

const fmt = (r: Result) =>
  `${r.rps.toFixed(0).padStart(6)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   errors ${r.errors} of ${r.requests}   cpu ${r.cpuMs.toFixed(2)} ms/req`;

async function engine(name: string, storeUrl: string, home: string): Promise<string[]> {
  const store = await openStore(storeUrl, {
    base: home,
    logger: silentLogger,
    serverSecret: Buffer.from(SECRET),
  });
  let seeded: Seeded;
  const t0 = performance.now();
  try {
    seeded = await seed(store);
  } finally {
    await store.close();
  }
  const lines = [
    `${name}: seeded ${MESSAGES.toLocaleString("en")} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  ];
  const web = await startWeb({ SEALBOX_HOME: home, SEALBOX_STORE: storeUrl, SEALBOX_SECRET: SECRET });
  try {
    const input = (o: unknown) => encodeURIComponent(JSON.stringify(o));
    if (LOADS.includes("open")) {
      const open = await load(
        web,
        `/api/trpc/mail.read?input=${input({ messageId: seeded.messageId })}`,
        seeded.tokens,
      );
      lines.push(
        `  open 10 KB signed+encrypted  ${fmt(open)}   (target ≥ 250 req/s, p99 ≤ 100 ms, 0 errors)`,
      );
    }
    if (LOADS.includes("list")) {
      const list = await load(
        web,
        `/api/trpc/mail.list?input=${input({ mailboxId: seeded.inboxId, limit: 50 })}`,
        seeded.tokens,
      );
      lines.push(
        `  list 50 of ${(MESSAGES / 1000).toFixed(0)}k              ${fmt(list)}   (target p99 ≤ 50 ms, 0 errors)`,
      );
    }
    if (name.startsWith("SQLite") && LOADS.includes("page")) {
      const js = await firstLoadJs(web.url, seeded.tokens[0] as string);
      lines.push(
        `  mail page first-load JS: ${js.files} files, ${(js.raw / 1024).toFixed(0)} KB raw, ${(js.gzip / 1024).toFixed(0)} KB gzip (target ≤ 250 KB compressed)`,
      );
    }
    return lines;
  } finally {
    await web.stop();
  }
}

const ENGINES = (process.env.BENCH_ENGINES ?? "sqlite,postgres").split(",");
const out: string[] = [];
const home = mkdtempSync(join(tmpdir(), "sealbox-web-bench-"));
try {
  if (ENGINES.includes("sqlite"))
    out.push(...(await engine("SQLite", `sqlite:${join(home, "sealbox.db")}`, home)));
  // OpenSSL opening the same kind of message, for scale (process start included, as a CLI peer pays it).
  if (ENGINES.includes("sqlite")) {
    const store = await openStore(`sqlite:${join(home, "sealbox.db")}`, {
      base: home,
      logger: silentLogger,
      serverSecret: Buffer.from(SECRET),
    });
    try {
      const alice = await store.accounts.require("alice@bench.example");
      const pfx = await store.secureMail.exportPfx(alice.id, SMP, "pw");
      const dir = mkdtempSync(join(tmpdir(), "sealbox-web-bench-pfx-"));
      writeFileSync(join(dir, "a.pfx"), pfx);
      const pem = spawnSync("openssl", [
        "pkcs12",
        "-in",
        join(dir, "a.pfx"),
        "-passin",
        "pass:pw",
        "-nodes",
      ]).stdout.toString();
      rmSync(dir, { recursive: true, force: true });
      const key = pem.slice(pem.indexOf("-----BEGIN PRIVATE KEY-----"));
      const certs = [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map(
        (m) => m[0],
      );
      const inbox = await store.mailboxes.require(alice.id, "INBOX");
      const msg = (
        await store.listMessages(alice.id, inbox.id, { search: { text: "ten kilobytes", in: "subject" } })
      ).messages[0];
      const bytes = await store.messages.raw(alice.id, msg!.id);
      const caPem = (await store.ca.ensure()).certificate.der;
      const caText = `-----BEGIN CERTIFICATE-----\n${Buffer.from(caPem)
        .toString("base64")
        .replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;
      const rate = opensslOpen(bytes, key, certs[0] as string, caText);
      out.push(
        `  openssl cms -decrypt + -verify of the same message, one process each: ${rate.toFixed(0)} messages/s (single core)`,
      );
    } finally {
      await store.close();
    }
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

if (ENGINES.includes("postgres")) {
  const cluster = await startPostgresCluster();
  const dbName = `sealbox_web_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const pgHome = mkdtempSync(join(tmpdir(), "sealbox-web-bench-pg-"));
  try {
    out.push(
      ...(await engine(
        "PostgreSQL (throwaway cluster, fsync off)",
        cluster.url.replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`),
        pgHome,
      )),
    );
  } finally {
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    await cluster.stop();
    rmSync(pgHome, { recursive: true, force: true });
  }
}

console.log(
  `\nSealbox web benchmark (${SESSIONS} sessions, ${SECONDS} s per load, loopback)\n${out.join("\n")}`,
);
