import { readFileSync, openSync, writeSync } from "node:fs";
import { loadKeys } from "./fixtures.js";
import { fileChunks } from "./ops.js";
import { protectMessageStream } from "../src/smime/protect-stream.js";
import { EntityTransform } from "../src/smime/stream-entity.js";
import { canonicalTransform } from "../src/smime/stream-canonical.js";
import { resolveMimeLimits } from "../src/mime/limits.js";
import { createHash } from "node:crypto";
const f = JSON.parse(readFileSync("/tmp/sb/fx/fixtures.json", "utf8"));
const keys = loadKeys(f);
const fd = openSync("/tmp/sb/fx/out-r", "w");
const op = process.argv[2] ?? "sign";
let i = 0;
const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))![1]) / 1024;
const mb = (x: number) => (x / 1048576).toFixed(1);
const show = () => { const m = process.memoryUsage(); console.log(i, "hwm", kb("VmHWM").toFixed(1), "rss", mb(m.rss), "heapTotal", mb(m.heapTotal), "heapUsed", mb(m.heapUsed), "ext", mb(m.external), "ab", mb(m.arrayBuffers)); };
show();
const every = Number(process.argv[3] ?? 400);
if (op === "sign" || op === "sign0") {
  for await (const c of protectMessageStream(fileChunks(f.large.plain), { sign: { identity: keys.identity }, ...(op === "sign0" ? { bufferBelow: 0 } : {}) })) { writeSync(fd, c); if (++i % every === 0) show(); }
} else if (op === "canon") {
  const t = new EntityTransform(canonicalTransform, resolveMimeLimits(), 0);
  for await (const c of fileChunks(f.large.plain)) { for (const o of t.push(c)) writeSync(fd, o); if (++i % every === 0) show(); }
} else if (op === "hashgen") {
  const h = createHash("sha256");
  async function* pass(src: AsyncIterable<Uint8Array>) { for await (const c of src) yield c; }
  for await (const c of pass(pass(pass(fileChunks(f.large.plain))))) { h.update(c); writeSync(fd, c); if (++i % every === 0) show(); }
}
show();
