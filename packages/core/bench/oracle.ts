/**
 * Decryption-oracle timing (`pnpm bench`, or alone: `pnpm bench:oracle`). openMessage — what
 * store's read path calls — on `openssl cms -encrypt` messages that fail in different ways once
 * a RecipientInfo names the key (src/smime/test-support/oracle-cases.ts, the same cases the
 * no-decryption-oracle test checks for one identical error), ORACLE_TRIALS (default 10,000)
 * timed calls per class with process.hrtime.bigint(), the classes taking turns in a fresh random
 * order every round (so a busy neighbour or a GC slows them alike), after ORACLE_WARMUP rounds.
 * Reports mean, sd, p50, p99 per class and Welch's t-test between classes; writes
 * bench/results/oracle.md and oracle.json (ORACLE_OUT: another directory).
 */
import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isCoreError } from "../src/errors.js";
import type { Identity } from "../src/pki/identity.js";
import { openMessage } from "../src/smime/open.js";
import { type OracleCase, oracleCases, oracleContent } from "../src/smime/test-support/oracle-cases.js";
import { SmimePki } from "../src/smime/test-support/pki.js";
import { type Summary, summarise, type Welch, welch } from "./welch.js";

const TRIALS = Number(process.env.ORACLE_TRIALS ?? 10_000);
const WARMUP = Number(process.env.ORACLE_WARMUP ?? 300);
const OUT = process.env.ORACLE_OUT ?? fileURLToPath(new URL("./results/", import.meta.url));

interface Class {
  id: string;
  label: string;
  /** Classes with the same path differ only in bytes a sender controls (or the key offered). */
  path: string;
  expect: "decryption-failed" | "opens";
  message: Buffer;
  identities: Identity[];
}

function classes(): { list: Class[]; cleanup: () => void } {
  const pki = new SmimePki("oracle-bench");
  const parties = {
    bob: pki.party("Bob Example"),
    mallory: pki.party("Mallory Example"),
    carol: pki.party("Carol Example", { key: "p256" }),
    eve: pki.party("Eve Example", { key: "p256" }),
  };
  const { controls, cases } = oracleCases(pki, parties, oracleContent());
  const pick = (name: string): OracleCase => {
    const found = cases.find((c) => c.name === name);
    if (!found) throw new Error(`no oracle case "${name}"`);
    return found;
  };
  const failing = (id: string, label: string, name: string, path: string): Class => {
    const c = pick(name);
    return { id, label, path, expect: "decryption-failed", message: c.message, identities: c.identities };
  };
  const cbc = controls.find((c) => c.family === "rsa-v15-cbc");
  if (!cbc) throw new Error("no RSA v1.5 CBC control");
  const RSA_CBC = "RSA v1.5 + AES-256-CBC";
  const RSA_GCM = "RSA v1.5 + AES-256-GCM";
  const list: Class[] = [
    failing("wrong-key", "wrong private key", "RSA v1.5, wrong private key (CBC)", RSA_CBC),
    failing("bad-pkcs1", "bad PKCS#1 v1.5 padding (type 01)", "RSA v1.5, block type 01", RSA_CBC),
    failing(
      "bad-cbc-pad",
      "bad CBC padding (right key)",
      "CBC, bad pad (last byte of the next-to-last block flipped)",
      RSA_CBC,
    ),
    failing(
      "malformed",
      "ciphertext not a multiple of 16",
      "CBC, ciphertext not a multiple of the block size",
      RSA_CBC,
    ),
    failing(
      "implausible",
      "good CBC pad, noise inside",
      "CBC, good pad around noise (no MIME entity, a NUL)",
      RSA_CBC,
    ),
    failing("bad-gcm-tag", "bad GCM tag (right key)", "GCM, tag flipped", RSA_GCM),
    failing("wrong-key-gcm", "wrong private key (GCM)", "RSA v1.5, wrong private key (GCM)", RSA_GCM),
    failing("wrong-key-oaep", "wrong private key", "RSA-OAEP, wrong private key", "RSA-OAEP + AES-256-CBC"),
    failing(
      "bad-cbc-pad-oaep",
      "bad CBC padding (right key)",
      "CBC, bad pad (RSA-OAEP)",
      "RSA-OAEP + AES-256-CBC",
    ),
    failing(
      "wrong-key-ecdh",
      "wrong private key (key unwrap fails)",
      "ECDH, wrong private key (AES key unwrap fails)",
      "ECDH P-256 + AES-256-CBC",
    ),
    failing(
      "bad-cbc-pad-ecdh",
      "bad CBC padding (right key)",
      "CBC, bad pad (ECDH)",
      "ECDH P-256 + AES-256-CBC",
    ),
    {
      id: "opens",
      label: "control: opens (right key)",
      path: RSA_CBC,
      expect: "opens",
      message: cbc.message,
      identities: cbc.identities,
    },
  ];
  return { list, cleanup: () => pki.cleanup() };
}

/** One timed call, in nanoseconds; the outcome is checked on every call. */
async function trial(c: Class): Promise<number> {
  const started = process.hrtime.bigint();
  let outcome: unknown;
  try {
    await openMessage(c.message, { identities: c.identities });
    outcome = "opens";
  } catch (error) {
    outcome = error;
  }
  const elapsed = Number(process.hrtime.bigint() - started);
  const ok = c.expect === "opens" ? outcome === "opens" : isCoreError(outcome, "decryption-failed");
  if (!ok) throw new Error(`${c.id}: expected ${c.expect}, got ${String(outcome)}`);
  return elapsed;
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const us = (ns: number) => ns / 1000;
const fixed = (x: number, d = 1) => x.toFixed(d);
const pFormat = (p: number) => (p === 0 ? "< 1e-300" : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

interface Result {
  id: string;
  label: string;
  path: string;
  summary: Summary;
}

interface Pair {
  a: string;
  b: string;
  samePath: boolean;
  welch: Welch;
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const { list, cleanup } = classes();
  try {
    console.log(
      `Decryption-oracle timing: openMessage, ${TRIALS} trials per class after ${WARMUP} warm-up rounds, ` +
        `${list.length} classes in a fresh random order each round (load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")})`,
    );
    for (let r = 0; r < WARMUP; r++) for (const c of shuffled(list)) await trial(c);
    const times = new Map(list.map((c) => [c.id, new Float64Array(TRIALS)]));
    const started = Date.now();
    for (let r = 0; r < TRIALS; r++) {
      for (const c of shuffled(list)) (times.get(c.id) as Float64Array)[r] = await trial(c);
      if (r > 0 && r % 2000 === 0)
        console.log(`  … ${r} rounds, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    const loadAfter = loadavg();
    const results: Result[] = list.map((c) => ({
      id: c.id,
      label: c.label,
      path: c.path,
      summary: summarise(times.get(c.id) as Float64Array),
    }));
    const failures = results.filter((r) => r.id !== "opens");
    const pairs: Pair[] = [];
    for (let i = 0; i < results.length; i++)
      for (let j = i + 1; j < results.length; j++) {
        const a = results[i] as Result;
        const b = results[j] as Result;
        pairs.push({ a: a.id, b: b.id, samePath: a.path === b.path, welch: welch(a.summary, b.summary) });
      }
    // Overall: each failure class against all the other failure classes pooled.
    const overall = failures.map((r) => {
      const rest = failures.filter((o) => o.id !== r.id).map((o) => times.get(o.id) as Float64Array);
      const pooled = new Float64Array(rest.reduce((n, a) => n + a.length, 0));
      let at = 0;
      for (const a of rest) {
        pooled.set(a, at);
        at += a.length;
      }
      return { id: r.id, welch: welch(r.summary, summarise(pooled)) };
    });

    const meta = {
      date: new Date().toISOString(),
      node: process.version,
      openssl: sh("openssl", ["version"]),
      cpu: `${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`,
      // objects, not arrays: biome's JSON formatter would fold a short array onto one line
      loadBefore: loadObject(loadBefore),
      loadAfter: loadObject(loadAfter),
      trials: TRIALS,
      warmup: WARMUP,
      seconds: (Date.now() - started) / 1000,
      command: `ORACLE_TRIALS=${TRIALS} pnpm --filter @sealbox/core run bench:oracle`,
    };
    const md = report(meta, results, pairs, overall);
    console.log(`\n${md}`);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "oracle.md"), md);
    writeFileSync(
      join(OUT, "oracle.json"),
      `${JSON.stringify({ ...meta, unit: "µs", results: results.map(toUs), pairs, overall }, null, 2)}\n`,
    );
    console.log(`written: ${join(OUT, "oracle.md")}, oracle.json`);
  } finally {
    cleanup();
  }
}

function loadObject(load: number[]): { "1min": number; "5min": number; "15min": number } {
  return { "1min": load[0] ?? 0, "5min": load[1] ?? 0, "15min": load[2] ?? 0 };
}

function toUs(r: Result) {
  const s = r.summary;
  return {
    id: r.id,
    label: r.label,
    path: r.path,
    n: s.n,
    mean: us(s.mean),
    sd: us(s.sd),
    p50: us(s.p50),
    p99: us(s.p99),
    min: us(s.min),
    max: us(s.max),
  };
}

function report(
  meta: {
    date: string;
    node: string;
    openssl: string;
    cpu: string;
    loadBefore: ReturnType<typeof loadObject>;
    loadAfter: ReturnType<typeof loadObject>;
    trials: number;
    warmup: number;
    seconds: number;
    command: string;
  },
  results: Result[],
  pairs: Pair[],
  overall: { id: string; welch: Welch }[],
): string {
  const load = (l: ReturnType<typeof loadObject>) =>
    [l["1min"], l["5min"], l["15min"]].map((x) => x.toFixed(2)).join(" / ");
  const lines = [
    "### Decryption failure timing (openMessage)",
    "",
    `${meta.date}; node ${meta.node}; ${meta.openssl}; ${meta.cpu}; load average (1/5/15 min) ${load(meta.loadBefore)} before, ${load(meta.loadAfter)} after; ` +
      `${meta.trials} trials per class after ${meta.warmup} warm-up rounds, classes interleaved in random order; ${meta.seconds.toFixed(0)} s.`,
    `Reproduce: \`cd packages/core && ${meta.command.replace(" --filter @sealbox/core run", "")}\` (or \`pnpm bench\`, which runs it last).`,
    "",
    "| class | path | mean µs | sd µs | p50 µs | p99 µs |",
    "|---|---|---:|---:|---:|---:|",
    ...results.map((r) => {
      const s = r.summary;
      return `| ${r.id}: ${r.label} | ${r.path} | ${fixed(us(s.mean))} | ${fixed(us(s.sd))} | ${fixed(us(s.p50))} | ${fixed(us(s.p99))} |`;
    }),
    "",
    "Welch's t-test, classes on the same path (differences of means a − b):",
    "",
    "| a | b | Δmean µs | Δp50 µs | t | df | p (two-sided) |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...pairs.filter((p) => p.samePath).map((p) => pairRow(p, results)),
    "",
    "Overall: each failure class against all other failure classes pooled:",
    "",
    "| class | Δmean µs | t | df | p |",
    "|---|---:|---:|---:|---:|",
    ...overall.map(
      (o) =>
        `| ${o.id} | ${fixed(us(o.welch.diff))} | ${fixed(o.welch.t, 2)} | ${fixed(o.welch.df, 0)} | ${pFormat(o.welch.p)} |`,
    ),
    "",
    "Across paths (the content cipher is public, named in the message):",
    "",
    "| a | b | Δmean µs | Δp50 µs | t | df | p |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...pairs.filter((p) => !p.samePath).map((p) => pairRow(p, results)),
    "",
  ];
  return lines.join("\n");
}

function pairRow(p: Pair, results: Result[]): string {
  const a = results.find((r) => r.id === p.a) as Result;
  const b = results.find((r) => r.id === p.b) as Result;
  const w = p.welch;
  return `| ${p.a} | ${p.b} | ${fixed(us(w.diff))} | ${fixed(us(a.summary.p50 - b.summary.p50))} | ${fixed(w.t, 2)} | ${fixed(w.df, 0)} | ${pFormat(w.p)} |`;
}

await main();
