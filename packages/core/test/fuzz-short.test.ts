import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percent } from "../fuzz/coverage.js";
import { regressionInputs } from "../fuzz/harness.js";
import { runFuzz, type TargetResult } from "../fuzz/run.js";
import { TARGETS } from "../fuzz/targets.js";

/**
 * The short fuzz run of the test command: every target replays the committed regression
 * inputs and then fuzzes for a few seconds from fresh openssl / gpgsm / NSS seeds, in a child
 * process whose V8 coverage is read back. `pnpm fuzz` is the long run of the same code.
 *
 * Coverage floors are the functions each target must reach in its own source files: set
 * well under what a 4-second run reaches, they catch a target whose inputs all stop at the
 * first check (a broken seed, a mutator that only makes garbage).
 */
const SECONDS = Number(process.env.FUZZ_SHORT_SECONDS ?? 4);
const FLOORS: Record<string, number> = {
  mime: 55,
  ber: 20,
  certificate: 40,
  crl: 30,
  "cms-signed": 110,
  "cms-enveloped": 110,
  "cms-auth-enveloped": 105,
  open: 300,
  pkcs12: 90,
  classify: 15,
};

let findingsDir: string;
let results: TargetResult[] = [];
// A fixed fast-check seed keeps the test command's run comparable from one commit to the next
// (the seeds themselves are fresh keys); exploring is the long run's job. FUZZ_SEED overrides.
const fcSeed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261205;

beforeAll(async () => {
  findingsDir = mkdtempSync(join(tmpdir(), "sealbox-fuzz-findings-"));
  results = await runFuzz({ seconds: SECONDS, fcSeed, findingsDir, log: (l) => console.log(l) });
  console.log(`fuzz short run: fast-check seed ${fcSeed} (FUZZ_SEED=${fcSeed} repeats it)`);
}, 900_000);

afterAll(() => {
  if (findingsDir) rmSync(findingsDir, { recursive: true, force: true });
});

describe("fuzz targets (short run)", () => {
  it("covers every target with a coverage floor", () => {
    expect(Object.keys(FLOORS).sort()).toEqual(TARGETS.map((t) => t.name).sort());
  });

  for (const target of TARGETS) {
    it(`${target.name}: regressions replayed, fuzzed without a finding, coverage past the first checks`, () => {
      const result = results.find((r) => r.target === target.name);
      expect(result, `no result for ${target.name}`).toBeDefined();
      if (!result) return;
      const findings = result.findings.map((f) => `${f.kind}: ${f.what} (input kept in ${f.file})`);
      expect(findings, `fast-check seed ${fcSeed}`).toEqual([]);
      expect(result.regressions).toBe(regressionInputs(target.name).length);
      expect(result.seeds).toBeGreaterThan(0);
      expect(result.executions).toBeGreaterThan(result.seeds + result.regressions);
      // Some inputs must get through every check, and the rest must not all stop at one.
      expect(result.outcomes.ok ?? 0).toBeGreaterThan(0);
      const { functionsCovered, functions, bytesCovered, bytes } = result.coverage;
      console.log(
        `${target.name}: ${result.executions} executions, functions ${functionsCovered}/${functions}, bytes ${percent(bytesCovered, bytes)}`,
      );
      expect(functionsCovered).toBeGreaterThanOrEqual(FLOORS[target.name] ?? Number.POSITIVE_INFINITY);
    });
  }
});
