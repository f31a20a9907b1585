/**
 * One 50 MB operation in a process of its own, for peak RSS (measured from outside by GNU
 * time, as openssl's is). With "baseline" it loads the same modules and keys and stops: Node's
 * own footprint, which the bench subtracts. "baseline-warm" also runs a small hot loop that
 * has nothing to do with S/MIME, so V8's optimising compiler (its code pages and first
 * compile, ~4-5 MB that any long-running Node work pays once) is part of the baseline too.
 * Usage: child.ts <sign|verify|encrypt|decrypt|baseline|baseline-warm> <fixtures.json> <out>
 */
import { readFileSync } from "node:fs";
import { type Fixtures, loadKeys } from "./fixtures.js";
import { OPS, type Op, runStreamOp } from "./ops.js";

const [op = "", fixturesPath = "", outPath = ""] = process.argv.slice(2);
const fixtures = JSON.parse(readFileSync(fixturesPath, "utf8")) as Fixtures;
const keys = loadKeys(fixtures);
const started = performance.now();
let check = op;
if (op === "baseline-warm") warmJit();
if (!op.startsWith("baseline")) {
  if (!OPS.includes(op as Op)) throw new Error(`unknown op ${op}`);
  check = await runStreamOp(op as Op, fixtures.large, keys, outPath);
}
const ms = performance.now() - started;
console.log(JSON.stringify({ op, check, ms }));

/** Makes TurboFan compile one unrelated function (optimised after a few thousand calls). */
function warmJit(): void {
  const data = new Int32Array(1024).fill(7);
  const mix = (a: Int32Array): number => {
    let h = 0;
    for (let i = 0; i < a.length; i++) h = (Math.imul(h, 31) + (a[i] as number)) | 0;
    return h;
  };
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink ^= mix(data);
  if (sink === 42) console.log("");
}
