import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { type ExecStats, Executor, regressionInputs } from "./harness.js";
import { type BerNode, mutateBer, mutateMime, opArbitrary, parseTree } from "./mutate.js";
import { loadContext, targetNamed } from "./targets.js";

/**
 * One fuzz target in its own process (the runner sets NODE_V8_COVERAGE on it): the seeds as
 * they are, the committed regression inputs, then fast-check mutations and generated inputs
 * until the time is up. Writes its statistics as JSON to --out.
 */
export interface ChildResult extends ExecStats {
  target: string;
  seeds: number;
  regressions: number;
  seconds: number;
  fcSeed: number;
}

const { values } = parseArgs({
  options: {
    target: { type: "string" },
    seeds: { type: "string" },
    seconds: { type: "string", default: "3" },
    findings: { type: "string" },
    current: { type: "string" },
    out: { type: "string" },
    "fc-seed": { type: "string", default: "1" },
  },
});

const target = targetNamed(values.target ?? "");
const ctx = loadContext(values.seeds ?? "", target);
const executor = new Executor(target, ctx, values.findings ?? "", values.current);
const started = performance.now();
const report = (f: unknown) => f && process.stderr.write(`finding: ${JSON.stringify(f)}\n`);

for (const seed of ctx.seeds) report(await executor.execute(seed.bytes, seed));
const regressions = regressionInputs(target.name);
for (const r of regressions) report(await executor.execute(r.bytes, undefined));

const donors: BerNode[] = ctx.seeds.flatMap((s) => {
  const tree = parseTree(s.bytes);
  return tree ? [tree] : [];
});
const mutate = target.mutation === "mime" ? mutateMime : mutateBer;
const mutated = fc
  .record({ seed: fc.nat(), ops: fc.array(opArbitrary, { minLength: 1, maxLength: 4 }) })
  .map(({ seed, ops }) => {
    const origin = ctx.seeds[seed % ctx.seeds.length];
    let bytes: Uint8Array = origin?.bytes ?? new Uint8Array();
    for (const op of ops) bytes = mutate(bytes, op, donors);
    return { bytes, origin };
  });
const inputs = target.generate
  ? fc.oneof(
      { weight: 6, arbitrary: mutated },
      { weight: 1, arbitrary: target.generate.map((bytes) => ({ bytes, origin: undefined })) },
    )
  : mutated;

const seconds = Number(values.seconds);
const fcSeed = Number(values["fc-seed"]);
const remaining = Math.max(0, seconds * 1000 - (performance.now() - started));
if (remaining > 0)
  await fc.assert(
    fc.asyncProperty(inputs, async ({ bytes, origin }) => {
      report(await executor.execute(bytes, origin));
    }),
    {
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: remaining,
      markInterruptAsFailure: false,
      seed: fcSeed,
      endOnFailure: true,
    },
  );

const result: ChildResult = {
  target: target.name,
  seeds: ctx.seeds.length,
  regressions: regressions.length,
  seconds: (performance.now() - started) / 1000,
  fcSeed,
  ...executor.stats,
};
if (values.out) writeFileSync(values.out, JSON.stringify(result));
process.exit(0);
