import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AcceptedDisagreement, buildDiffInputs, compare, matches, oracle } from "./differential.js";

/**
 * The differential test at a larger scale, for finding rare disagreements before CI does:
 * DIFF_SCALE times the test's variants per seed (default 6); prints each disagreement that
 * accepted.json does not list and keeps its input.
 * Run: node --conditions=@sealbox/source --import tsx fuzz/differential-scan.ts
 */
const accepted = JSON.parse(
  readFileSync(new URL("./differential/accepted.json", import.meta.url), "utf8"),
) as AcceptedDisagreement[];
const work = mkdtempSync(join(tmpdir(), "big-"));
mkdirSync(join(work, "new"));
const { env, inputs } = buildDiffInputs(work, Number(process.env.DIFF_SCALE ?? 6));
let n = 0;
for (const input of inputs)
  for (const d of compare(input, await oracle(env, input))) {
    n++;
    if (!accepted.some((a) => matches(d, a))) {
      const f = join(work, "new", `${input.id.replace(/[^A-Za-z0-9.~-]+/g, "_")}.der`);
      writeFileSync(f, input.bytes);
      if (input.content) writeFileSync(`${f}.content`, input.content);
      console.log(f, JSON.stringify({ ...d, input: undefined }).slice(0, 500));
    }
  }
console.log("inputs", inputs.length, "disagreements", n, work);
