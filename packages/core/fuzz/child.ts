import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { type ExecStats, Executor, regressionInputs } from "./harness.js";
import { type BerNode, mutateBer, mutateMime, opArbitrary, parseTree } from "./mutate.js";
import { loadContext, type SeedInput, targetNamed } from "./targets.js";

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
  /** Parents at the end: seeds plus inputs that showed a new behaviour. */
  pool: number;
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
// Inputs that showed a new behaviour (a refusal message or a result shape not seen before)
// become parents beside the seeds: mutation then starts from inputs that got somewhere new.
const pool: Array<{ bytes: Uint8Array; origin: SeedInput | undefined }> = ctx.seeds.map((s) => ({
  bytes: s.bytes,
  origin: s,
}));
const POOL_MAX = 2000;
const MAX_PARENT = 64 * 1024;
const MAX_INPUT = 4 * 1024 * 1024;
const mutated = fc
  .record({ seed: fc.nat(), bred: fc.boolean(), ops: fc.array(opArbitrary, { minLength: 1, maxLength: 4 }) })
  .map(({ seed, bred, ops }) => {
    // Half the time a seed as made by a peer, else any pool member (seeds included).
    const parent = bred ? pool[seed % pool.length] : pool[seed % ctx.seeds.length];
    const origin = parent?.origin;
    let bytes: Uint8Array = parent?.bytes ?? new Uint8Array();
    // Bombs on bombs grow without end: past MAX_INPUT the mutating stops (it would cost more
    // than the execution it feeds).
    for (const op of ops) if (bytes.length <= MAX_INPUT) bytes = mutate(bytes, op, donors);
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
      if (executor.novel && pool.length < POOL_MAX && bytes.length <= MAX_PARENT)
        pool.push({ bytes, origin });
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
  pool: pool.length,
  ...executor.stats,
};
if (values.out) writeFileSync(values.out, JSON.stringify(result));
process.exit(0);
