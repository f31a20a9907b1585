import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildResult } from "./child.js";
import { type CoverageSummary, percent, summarise } from "./coverage.js";
import { CORE_ROOT, type Finding, REGRESSIONS, saveFinding } from "./harness.js";
import { buildSeeds } from "./seeds.js";
import { TARGETS } from "./targets.js";

/**
 * The fuzz runner: builds the seed corpus with openssl, gpgsm and NSS, then runs each target
 * in a child node process with NODE_V8_COVERAGE set, and reports per target the executions,
 * the outcomes, the findings and the coverage reached in the target's own source files.
 *
 *   FUZZ_SECONDS   seconds per target (default 60)
 *   FUZZ_TARGETS   comma-separated target names (default all)
 *   FUZZ_SEED      fast-check seed (default: time-based; printed)
 *   FUZZ_FINDINGS  where new findings are written (default fuzz/regressions, committed)
 *   FUZZ_RESULTS   a JSON file for the results (optional)
 */
export interface TargetResult extends ChildResult {
  coverage: CoverageSummary;
}

export interface RunOptions {
  seconds: number;
  targets?: string[];
  fcSeed?: number;
  findingsDir?: string;
  seedDir?: string;
  log?: (line: string) => void;
}

function runChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@sealbox/source", "--import", "tsx", join(CORE_ROOT, "fuzz", "child.ts"), ...args],
      {
        env,
        cwd: CORE_ROOT,
        stdio: ["ignore", "inherit", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

export async function runFuzz(options: RunOptions): Promise<TargetResult[]> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const work = mkdtempSync(join(tmpdir(), "sealbox-fuzz-"));
  const findingsDir = options.findingsDir ?? REGRESSIONS;
  const fcSeed = options.fcSeed ?? Date.now() % 2 ** 31;
  try {
    const seedDir = options.seedDir ?? join(work, "seeds");
    if (!existsSync(join(seedDir, "manifest.json"))) {
      const t = performance.now();
      const manifest = buildSeeds(seedDir);
      log(
        `seeds: ${manifest.seeds.length} files from openssl, gpgsm and NSS in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    }
    const results: TargetResult[] = [];
    const targets = TARGETS.filter((t) => !options.targets || options.targets.includes(t.name));
    for (const target of targets) {
      const coverageDir = join(work, `coverage-${target.name}`);
      mkdirSync(coverageDir);
      const out = join(work, `${target.name}.json`);
      const current = join(work, `${target.name}.current`);
      const run = await runChild(
        [
          ...["--target", target.name, "--seeds", seedDir, "--seconds", String(options.seconds)],
          ...["--findings", findingsDir, "--current", current, "--out", out, "--fc-seed", String(fcSeed)],
        ],
        { ...process.env, NODE_V8_COVERAGE: coverageDir },
        // A single input running this far past the deadline is hung.
        (options.seconds + 120) * 1000,
      );
      let result: ChildResult;
      if (run.code === 0 && existsSync(out)) {
        result = JSON.parse(readFileSync(out, "utf8")) as ChildResult;
      } else {
        // The process died (out of memory, killed, or hung): the input it was on is the finding.
        const kind: Finding["kind"] = run.signal === "SIGKILL" ? "hang" : "crash";
        const input = existsSync(current) ? readFileSync(current) : Buffer.alloc(0);
        const what = `${kind === "hang" ? "no answer" : `exit ${run.code ?? run.signal}`}: ${run.stderr.split("\n").filter(Boolean).slice(-3).join(" | ").slice(0, 300)}`;
        const file = saveFinding(findingsDir, target.name, input, { target: target.name, kind, what });
        result = {
          target: target.name,
          seeds: 0,
          regressions: 0,
          seconds: 0,
          fcSeed,
          pool: 0,
          behaviours: 0,
          executions: 0,
          outcomes: { [kind]: 1 },
          messages: {},
          findings: [{ target: target.name, kind, what, file }],
          slowestMs: 0,
        };
      }
      const coverage = summarise(coverageDir, join(CORE_ROOT, "src"), target.covers);
      results.push({ ...result, coverage });
      log(
        [
          target.name.padEnd(18),
          `${result.executions} execs`.padStart(13),
          `${(result.executions / Math.max(result.seconds, 0.001)).toFixed(0)}/s`.padStart(7),
          `functions ${coverage.functionsCovered}/${coverage.functions} (${percent(coverage.functionsCovered, coverage.functions)})`,
          `bytes ${percent(coverage.bytesCovered, coverage.bytes)} of ${coverage.files.length} files`,
          `behaviours ${result.behaviours}`,
          `findings ${result.findings.length}`,
        ].join("  "),
      );
      for (const f of result.findings) log(`  finding ${f.kind}: ${f.what} -> ${f.file}`);
    }
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
