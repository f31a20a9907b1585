import { writeFileSync } from "node:fs";
import { runFuzz } from "./run.js";

/** `pnpm fuzz`: every target for FUZZ_SECONDS each (see run.ts for the knobs); exit 1 on any finding. */
const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
const fcSeed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const started = new Date();
console.log(`fuzz: ${seconds} s per target, fast-check seed ${fcSeed}`);
const results = await runFuzz({
  seconds,
  fcSeed,
  ...(process.env.FUZZ_TARGETS ? { targets: process.env.FUZZ_TARGETS.split(",") } : {}),
  ...(process.env.FUZZ_FINDINGS ? { findingsDir: process.env.FUZZ_FINDINGS } : {}),
});
const total = results.reduce((n, r) => n + r.executions, 0);
const findings = results.flatMap((r) => r.findings);
console.log(`total: ${results.length} targets, ${total} executions, ${findings.length} findings`);
if (process.env.FUZZ_RESULTS) {
  writeFileSync(
    process.env.FUZZ_RESULTS,
    `${JSON.stringify({ started: started.toISOString(), secondsPerTarget: seconds, fcSeed, results }, null, 2)}\n`,
  );
}
process.exit(findings.length > 0 ? 1 : 0);
