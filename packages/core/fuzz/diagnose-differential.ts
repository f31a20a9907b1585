import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDiffInputs, compare, oracle } from "./differential.js";

/**
 * A developer's view of the differential test: every disagreement with the first lines where
 * `openssl asn1parse` of the input differs from its seed's, and the input saved for a closer
 * look. Run: node --conditions=@sealbox/source --import tsx fuzz/diagnose-differential.ts [filter]
 */
const work = mkdtempSync(join(tmpdir(), "sealbox-diff-diagnose-"));
const keep = join(work, "inputs");
mkdirSync(keep);
// DIFF_SCALE multiplies the variants per seed (the test uses 1).
const { env, inputs } = buildDiffInputs(work, Number(process.env.DIFF_SCALE ?? 1));
const parse = (bytes: Uint8Array) =>
  spawnSync("openssl", ["asn1parse", "-inform", "DER", "-i"], {
    input: bytes,
    encoding: "latin1",
  }).stdout.split("\n");
const filter = process.argv[2] ?? "";
for (const input of inputs) {
  if (!input.id.includes(filter)) continue;
  const found = compare(input, await oracle(env, input));
  if (found.length === 0) continue;
  const file = join(keep, `${input.id.replace(/[^A-Za-z0-9.~-]+/g, "_")}.der`);
  writeFileSync(file, input.bytes);
  console.log(`\n== ${input.id} (${file})`);
  for (const d of found) console.log(`  ${d.aspect} vs ${d.other}: core ${d.core} | ${d.other} ${d.said}`);
  const seed = inputs.find((i) => i.id === input.id.split("~")[0]);
  if (seed && seed !== input) {
    const a = parse(seed.bytes);
    const b = parse(input.bytes);
    const i = a.findIndex((line, n) => line.replace(/^\s*\d+:/, "") !== (b[n] ?? "").replace(/^\s*\d+:/, ""));
    if (i >= 0)
      console.log(
        `  seed:    ${a.slice(i, i + 3).join("\n           ")}\n  variant: ${b.slice(i, i + 3).join("\n           ")}`,
      );
  }
}
