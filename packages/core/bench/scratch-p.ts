import { loadKeys, makeFixtures } from "./fixtures.js";
import { runStreamOp, type Op } from "./ops.js";
import { existsSync, mkdirSync, writeFileSync, readFileSync } from "node:fs";
const dir = "/tmp/sb/fx";
if (!existsSync(dir + "/fixtures.json")) { mkdirSync(dir, { recursive: true }); const f = makeFixtures(dir, 50 * 1024 * 1024); writeFileSync(dir + "/fixtures.json", JSON.stringify(f)); }
const f = JSON.parse(readFileSync(dir + "/fixtures.json", "utf8"));
const keys = loadKeys(f);
const op = process.argv[2] as Op;
for (let i = 0; i < Number(process.argv[3] ?? 4); i++) {
  const t = performance.now();
  const c = await runStreamOp(op, f.large, keys, dir + "/out");
  console.log(op, c, (performance.now() - t).toFixed(0), "ms");
}
