import { readFileSync, openSync, writeSync, closeSync } from "node:fs";
import { createHash } from "node:crypto";
import { loadKeys } from "./fixtures.js";
import { fileChunks, runStreamOp } from "./ops.js";
import { protectMessageStream } from "../src/smime/protect-stream.js";
import { canonicalTransform } from "../src/smime/stream-canonical.js";
import { EntityTransform } from "../src/smime/stream-entity.js";
import { resolveMimeLimits } from "../src/mime/limits.js";
const f = JSON.parse(readFileSync("/tmp/sb/fx/fixtures.json", "utf8"));
const keys = loadKeys(f);
const op = process.argv[2];
const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))![1]);
const before = kb("VmRSS"), hwm0 = kb("VmHWM");
const fd = openSync("/tmp/sb/fx/out-n", "w");
if (op === "rw") { for await (const c of fileChunks(f.large.plain)) writeSync(fd, c); }
if (op === "hash") { const h = createHash("sha256"); for await (const c of fileChunks(f.large.plain)) { h.update(c); writeSync(fd, c); } }
if (op === "canon") { const t = new EntityTransform(canonicalTransform, resolveMimeLimits(), 0); for await (const c of fileChunks(f.large.plain)) for (const o of t.push(c)) writeSync(fd, o); }
if (op === "sign0") { for await (const c of protectMessageStream(fileChunks(f.large.plain), { sign: { identity: keys.identity }, bufferBelow: 0 })) writeSync(fd, c); }
if (op === "sign") { for await (const c of protectMessageStream(fileChunks(f.large.plain), { sign: { identity: keys.identity } })) writeSync(fd, c); }
closeSync(fd);
const st = readFileSync("/proc/self/status", "utf8").split("\n").filter((l) => /^(VmHWM|RssAnon)/.test(l)).join(" | ");
console.log(op, "rss before", (before/1024).toFixed(1), "hwm before", (hwm0/1024).toFixed(1), "hwm after", (kb("VmHWM")/1024).toFixed(1), "rss after", (kb("VmRSS")/1024).toFixed(1), st.replace(/\s+/g, " "), "ab", (process.memoryUsage().arrayBuffers / 1048576).toFixed(1));
