/**
 * `pnpm bench` — a benchmark, not a test. In one run: our protect/open
 * in-process beside the `openssl cms` CLI on the same S/MIME input producing S/MIME output,
 * `openssl speed rsa2048`, ratios against the targets, peak RSS of the streaming path, and the
 * key-handling figures of bench/keys.ts. Fixtures are made fresh by openssl in a temp dir.
 *
 * 10 KB: ours = protectMessage / openMessage in-process (what protectMessageStream and
 * openMessageStream run for messages under 256 KiB), ops/s as the median of 11 rounds of 150
 * after a warm-up, the operations taking turns; compared with `openssl speed` (run before and
 * after, mean) because an `openssl cms` process spends most of its time starting. 50 MB: ours =
 * the streaming path (bench/ops.ts), median of 3 runs after a warm-up, interleaved with
 * `openssl cms` (median of 3). Peak RSS: each of our 50 MB operations in a child process of
 * its own, minus a baseline child that loads the same modules and keys, against `openssl
 * cms`'s peak RSS, all from GNU time (see child.ts for the cold and warm baselines).
 * The machine is shared: a busy neighbour moves the 10 KB figures most (see the report).
 * Last, the decryption-oracle timing of bench/oracle.ts (ORACLE_TRIALS per class, default 10,000;
 * results in bench/results/oracle.md for SECURITY.md).
 * Env: BENCH_LARGE_MB (default 50), BENCH_CHUNK_KB (read size, default 256), BENCH_SKIP_KEYS=1,
 * BENCH_SKIP_ORACLE=1, ORACLE_TRIALS, ORACLE_WARMUP, ORACLE_OUT.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openMessage } from "../src/smime/open.js";
import { protectMessage } from "../src/smime/protect.js";
import { type Fixtures, type Keys, loadKeys, type Message, makeFixtures } from "./fixtures.js";
import { OPS, type Op, runStreamOp } from "./ops.js";

const LARGE_MB = Number(process.env.BENCH_LARGE_MB ?? 50);
const SMALL_RUNS = 11;
const SMALL_OPS = 150;
const LARGE_RUNS = 3;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const MB = 1024 * 1024;

function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * MB, ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

/**
 * Peak RSS of a child: GNU time (`/usr/bin/time -f %M`), installing Debian's `time` when it is
 * missing (we run as root in CI), else python3's resource.getrusage(RUSAGE_CHILDREN).
 */
function peakRssTool(): "gnu-time" | "python" {
  if (existsSync("/usr/bin/time")) return "gnu-time";
  console.log("installing GNU time (apt-get install -y time)…");
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "-qq", "time"], { stdio: "ignore" }).status === 0;
  if (!install()) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
    install();
  }
  return existsSync("/usr/bin/time") ? "gnu-time" : "python";
}

/** The fallback: posix_spawn + getrusage; python's own pre-exec RSS is measured and subtracted. */
const RSS_PY = [
  "import os,resource,sys",
  "pid=os.posix_spawnp(sys.argv[2],sys.argv[2:],os.environ)",
  "_,status=os.waitpid(pid,0)",
  "open(sys.argv[1],'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))",
  "sys.exit(os.waitstatus_to_exitcode(status))",
].join("\n");
let rssTool: "gnu-time" | "python" = "gnu-time";
let pythonOwnKb = 0;

/**
 * Runs a command under the RSS tool; returns its stdout. The tool forks the command from its
 * own small process: a child forked from this (large) process would inherit our RSS in its
 * ru_maxrss, which is why the Node children are measured this way too.
 */
function peakRssKb(report: string, command: string[]): string {
  if (rssTool === "gnu-time") return run("/usr/bin/time", ["-f", "%M", "-o", report, ...command]);
  return run("python3", ["-c", RSS_PY, report, ...command]);
}

function readRss(report: string): number {
  const kb = Number(readFileSync(report, "utf8").trim().split("\n").pop());
  return rssTool === "python" ? Math.max(0, kb - pythonOwnKb) : kb;
}

/** Wall time (ms) and peak RSS (KiB) of one openssl command. */
function timed(args: string[], dir: string): { ms: number; rssKb: number } {
  const report = join(dir, "time.txt");
  if (rssTool === "python" && pythonOwnKb === 0) {
    peakRssKb(report, ["true"]);
    pythonOwnKb = Number(readFileSync(report, "utf8").trim());
  }
  const started = performance.now();
  peakRssKb(report, ["openssl", ...args]);
  const ms = performance.now() - started;
  return { ms, rssKb: readRss(report) };
}

function opensslArgs(op: Op, m: Message, f: Fixtures, out: string): string[] {
  switch (op) {
    case "sign":
      return ["cms", "-sign", "-in", m.plain, "-signer", f.userPem, "-inkey", f.userKey, "-out", out];
    case "verify":
      return ["cms", "-verify", "-in", m.signed, "-CAfile", f.caPem, "-out", out];
    case "encrypt":
      return ["cms", "-encrypt", "-aes256", "-in", m.plain, "-out", out, f.userPem];
    case "decrypt":
      return ["cms", "-decrypt", "-in", m.encrypted, "-recip", f.userPem, "-inkey", f.userKey, "-out", out];
  }
}

function opensslSpeed(): { sign: number; verify: number } {
  const text = run("openssl", ["speed", "-seconds", "3", "rsa2048"], {});
  const m = /rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(text);
  if (!m) throw new Error(`cannot read openssl speed output:\n${text}`);
  return { sign: Number(m[1]), verify: Number(m[2]) };
}

/**
 * ops/s of each operation: a warm-up, then SMALL_RUNS rounds that take turns between the
 * operations (so a busy neighbour slows them alike), each round SMALL_OPS in a row; medians.
 */
async function smallOps(f: Fixtures, keys: Keys): Promise<Record<Op, number>> {
  const plain = readFileSync(f.small.plain);
  const signed = readFileSync(f.small.signed);
  const encrypted = readFileSync(f.small.encrypted);
  const check = await openMessage(signed, { trust: [keys.ca] });
  const status = check.layers[0]?.type === "signed" ? check.layers[0].signers[0]?.status : "none";
  if (status !== "valid") throw new Error(`10 KB verify says ${status}`);
  const opened = await openMessage(encrypted, { identities: [keys.identity] });
  if (!Buffer.from(opened.content).equals(plain)) throw new Error("10 KB decrypt gave other bytes");
  const ops: Record<Op, () => Promise<unknown>> = {
    sign: () => protectMessage(plain, { sign: { identity: keys.identity } }),
    verify: () => openMessage(signed, { trust: [keys.ca] }),
    encrypt: () => protectMessage(plain, { encrypt: { recipients: [keys.user] } }),
    decrypt: () => openMessage(encrypted, { identities: [keys.identity] }),
  };
  const rates: Record<Op, number[]> = { sign: [], verify: [], encrypt: [], decrypt: [] };
  for (const op of OPS) for (let i = 0; i < SMALL_OPS / 2; i++) await ops[op]();
  for (let r = 0; r < SMALL_RUNS; r++) {
    for (const op of OPS) {
      const started = performance.now();
      for (let i = 0; i < SMALL_OPS; i++) await ops[op]();
      rates[op].push(SMALL_OPS / ((performance.now() - started) / 1000));
    }
  }
  return {
    sign: median(rates.sign),
    verify: median(rates.verify),
    encrypt: median(rates.encrypt),
    decrypt: median(rates.decrypt),
  };
}

/** Removes an output file before a timed run, so neither side pays for truncating the last one. */
function fresh(path: string): string {
  if (existsSync(path)) unlinkSync(path);
  return path;
}

async function largeOps(f: Fixtures, keys: Keys) {
  const ours: Record<string, { ms: number; check: string }> = {};
  const theirs: Record<string, { ms: number; rssKb: number }> = {};
  for (const op of OPS) {
    let check = await runStreamOp(op, f.large, keys, fresh(join(f.dir, "ours.out"))); // warm-up
    const times: number[] = [];
    const runs: { ms: number; rssKb: number }[] = [];
    // Interleaved, so a busy neighbour on the machine slows both sides alike.
    for (let i = 0; i < LARGE_RUNS; i++) {
      const out = fresh(join(f.dir, "ours.out"));
      const started = performance.now();
      check = await runStreamOp(op, f.large, keys, out);
      times.push(performance.now() - started);
      runs.push(timed(opensslArgs(op, f.large, f, fresh(join(f.dir, "openssl.out"))), f.dir));
    }
    ours[op] = { ms: median(times), check };
    theirs[op] = { ms: median(runs.map((r) => r.ms)), rssKb: median(runs.map((r) => r.rssKb)) };
  }
  return { ours, theirs };
}

/**
 * The RSS child as one plain JavaScript file (esbuild, a dev dependency): run through the
 * tsx loader, a child would carry the loader's own thread and compile memory in its numbers.
 */
function bundleChild(dir: string): string {
  const esbuild = createRequire(import.meta.url)("esbuild") as {
    buildSync(options: Record<string, unknown>): unknown;
  };
  const outfile = join(dir, "child.mjs");
  esbuild.buildSync({
    entryPoints: [here("./child.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@sealbox/source"],
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

/** Median peak RSS (KiB) of three child runs, measured like openssl's. */
function childRss(
  child: string,
  fixturesJson: string,
  dir: string,
  op: string,
): { kb: number; check: string } {
  const report = join(dir, "child-time.txt");
  const reports = [0, 1, 2].map(() => {
    const out = peakRssKb(report, [process.execPath, child, op, fixturesJson, fresh(join(dir, "child.out"))]);
    const line = JSON.parse(out.trim().split("\n").pop() as string) as { check: string };
    return { kb: readRss(report), check: line.check };
  });
  return { kb: median(reports.map((r) => r.kb)), check: reports[0]?.check ?? "" };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

async function main(): Promise<void> {
  rssTool = peakRssTool();
  const opensslVersion = run("openssl", ["version"]).trim();
  console.log(`Sealbox S/MIME bench — node ${process.version}, ${opensslVersion}, ${cpus().length} CPUs\n`);
  const dir = mkdtempSync(join(tmpdir(), "sealbox-bench-"));
  try {
    const f = makeFixtures(dir, LARGE_MB * MB);
    const fixturesJson = join(dir, "fixtures.json");
    writeFileSync(fixturesJson, JSON.stringify(f));
    const keys = loadKeys(f);
    const mb = f.large.bytes / 1e6;

    // openssl speed before and after our 10 KB runs; the targets use the mean (the machine's
    // load can change between the two, and our runs sit between them).
    const before = opensslSpeed();
    const small = await smallOps(f, keys);
    const after = opensslSpeed();
    const speed = { sign: (before.sign + after.sign) / 2, verify: (before.verify + after.verify) / 2 };
    console.log(
      `openssl speed -seconds 3 rsa2048: ${speed.sign.toFixed(1)} sign/s, ${speed.verify.toFixed(1)} verify/s ` +
        `(mean of a run before our 10 KB runs, ${before.sign.toFixed(1)} sign/s, and one after, ${after.sign.toFixed(1)})\n`,
    );

    const smallCli = Object.fromEntries(
      OPS.map((op) => [
        op,
        median([1, 2, 3, 4, 5].map(() => timed(opensslArgs(op, f.small, f, join(dir, "s.out")), dir).ms)),
      ]),
    ) as Record<Op, number>;
    const smallTargets: Partial<Record<Op, [number, string]>> = {
      sign: [speed.sign / 3, "1/3 sign/s"],
      verify: [speed.sign / 4, "1/4 sign/s"],
      decrypt: [speed.sign / 3, "1/3 sign/s"],
    };
    console.log(
      `10 KB message (${f.small.bytes} bytes): ours in-process, ops/s (median of ${SMALL_RUNS} rounds of ${SMALL_OPS})`,
    );
    console.log(`  op        ours ops/s   target ops/s          ratio   result   openssl cms per process`);
    for (const op of OPS) {
      const target = smallTargets[op];
      const ratio = target ? small[op] / target[0] : undefined;
      console.log(
        `  ${op.padEnd(8)} ${pad(small[op].toFixed(1), 11)}   ${target ? `≥ ${target[0].toFixed(1)} (${target[1]})`.padEnd(20) : "(no target)".padEnd(20)} ${ratio === undefined ? pad("", 6) : pad(`${ratio.toFixed(2)}×`, 6)}   ${ratio === undefined ? "    " : verdict(ratio >= 1)}     ${smallCli[op].toFixed(1)} ms`,
      );
    }

    const large = await largeOps(f, keys);
    const largeTargets: Record<Op, number> = { sign: 1.0, verify: 1.0, encrypt: 1.5, decrypt: 2.0 };
    console.log(
      `\n50 MB message (${f.large.bytes} bytes): streaming path vs openssl cms, median of ${LARGE_RUNS}`,
    );
    console.log(`  op        ours s    MB/s   openssl s    MB/s   ratio   target   result   check`);
    for (const op of OPS) {
      const o = large.ours[op] as { ms: number; check: string };
      const t = large.theirs[op] as { ms: number };
      const ratio = t.ms / o.ms;
      console.log(
        `  ${op.padEnd(8)} ${pad((o.ms / 1000).toFixed(3), 7)} ${pad((mb / (o.ms / 1000)).toFixed(0), 7)}   ${pad((t.ms / 1000).toFixed(3), 9)} ${pad((mb / (t.ms / 1000)).toFixed(0), 7)}  ${pad(ratio.toFixed(2), 5)}×   ≥ ${largeTargets[op].toFixed(1)}×    ${verdict(ratio >= largeTargets[op])}     ${o.check}`,
      );
    }

    const child = bundleChild(dir);
    const cold = childRss(child, fixturesJson, dir, "baseline").kb;
    const warm = childRss(child, fixturesJson, dir, "baseline-warm").kb;
    console.log(
      `\nPeak RSS, 50 MB, streaming path, one child process per operation (median of 3) minus Node's baseline:`,
    );
    console.log(
      `  cold baseline ${(cold / 1024).toFixed(1)} MB = same modules and keys, no operation; warm baseline ${(warm / 1024).toFixed(1)} MB = the same plus an`,
    );
    console.log(
      "  unrelated hot loop, so V8's optimising compiler (its code pages, first compile) is Node's, not the operation's",
    );
    console.log(`  op        ours−warm   ours−cold   openssl cms   result (ours−warm ≤ openssl)   check`);
    for (const op of OPS) {
      const ours = childRss(child, fixturesJson, dir, op);
      const theirs = (large.theirs[op] as { rssKb: number }).rssKb / 1024;
      const overWarm = (ours.kb - warm) / 1024;
      const overCold = (ours.kb - cold) / 1024;
      console.log(
        `  ${op.padEnd(8)} ${pad(overWarm.toFixed(1), 7)} MB ${pad(overCold.toFixed(1), 8)} MB ${pad(theirs.toFixed(1), 10)} MB   ${verdict(overWarm <= theirs)}${" ".repeat(30)}${ours.check}`,
      );
    }

    if (process.env.BENCH_SKIP_KEYS !== "1") {
      console.log("\nKeys (bench/keys.ts):");
      const keysOut = run(process.execPath, [
        "--conditions=@sealbox/source",
        "--import",
        "tsx",
        here("./keys.ts"),
      ]);
      console.log(keysOut.replace(/^/gm, "  ").trimEnd());
    }

    if (process.env.BENCH_SKIP_ORACLE !== "1") {
      console.log("\nDecryption oracle (bench/oracle.ts):");
      const oracleOut = run(process.execPath, [
        "--conditions=@sealbox/source",
        "--import",
        "tsx",
        here("./oracle.ts"),
      ]);
      console.log(oracleOut.replace(/^/gm, "  ").trimEnd());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
