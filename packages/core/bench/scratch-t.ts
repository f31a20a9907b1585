import { readFileSync, openSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { loadKeys } from "./fixtures.js";
import { fileChunks } from "./ops.js";
import { protectMessageStream } from "../src/smime/protect-stream.js";
import { EntityTransform, chain } from "../src/smime/stream-entity.js";
import { canonicalTransform } from "../src/smime/stream-canonical.js";
import { signableTransform } from "../src/smime/stream-signable.js";
import { resolveMimeLimits } from "../src/mime/limits.js";
const f = JSON.parse(readFileSync("/tmp/sb/fx/fixtures.json", "utf8"));
const keys = loadKeys(f);
const fd = openSync("/tmp/sb/fx/out-t", "w");
const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))![1]) / 1024;
{ const data = new Int32Array(1024).fill(7); const mix = (a: Int32Array) => { let h = 0; for (let i = 0; i < a.length; i++) h = (Math.imul(h, 31) + a[i]!) | 0; return h; }; let s = 0; for (let i = 0; i < 20000; i++) s ^= mix(data); if (s === 42) console.log(); }
await new Promise((r) => setTimeout(r, 20));
const start = kb("VmHWM");
const op = process.argv[2]!;
const L = resolveMimeLimits();
const h = createHash("sha256");
if (op === "A") for await (const c of fileChunks(f.large.plain)) writeSync(fd, c);
if (op === "B" || op === "C" || op === "D") {
  const t = op === "B" ? new EntityTransform(canonicalTransform, L, 0) : chain(new EntityTransform(canonicalTransform, L, 0), new EntityTransform(signableTransform, L, 0));
  for await (const c of fileChunks(f.large.plain)) for (const o of t.push(c)) { if (op === "D") h.update(o); writeSync(fd, o); }
}
if (op === "G") {
  const t = chain(new EntityTransform(canonicalTransform, L, 0), new EntityTransform(signableTransform, L, 0));
  async function* tr() { for await (const c of fileChunks(f.large.plain)) yield* t.push(c); yield* t.end(); }
  async function* outer() { yield Buffer.from("x"); for await (const o of tr()) { h.update(o); yield o; } }
  for await (const c of outer()) writeSync(fd, c);
}
if (op === "H") {
  const { Channel } = await import("../src/smime/stream-channel.js");
  const t = chain(new EntityTransform(canonicalTransform, L, 0), new EntityTransform(signableTransform, L, 0));
  const ch = new Channel();
  const consumer = (async () => { for await (const c of ch) h.update(c); })();
  async function* tr() { for await (const c of fileChunks(f.large.plain)) yield* t.push(c); yield* t.end(); }
  async function* outer() { for await (const o of tr()) { await ch.push(o); yield o; } ch.end(); await consumer; }
  for await (const c of outer()) writeSync(fd, c);
}
if (op === "I") {
  const { StreamReader, readEntityHead } = await import("../src/smime/stream-reader.js");
  const { contentEntityBytes } = await import("../src/mime/headers.js");
  const reader = new StreamReader(fileChunks(f.large.plain), 1e9);
  const first = await reader.readUpTo(256 * 1024);
  reader.unshiftAll(first.parts); first.parts.length = 0;
  const head = await readEntityHead(reader, L);
  const t = new EntityTransform(signableTransform, L, 0);
  async function* tr() { yield* t.push(contentEntityBytes(head)); for (let c = await reader.next(); c !== undefined; c = await reader.next()) yield* t.push(c); yield* t.end(); }
  async function* sm() { yield Buffer.from("head"); for await (const o of tr()) { h.update(o); yield o; } yield h.digest(); }
  async function* pr() { yield* sm(); }
  for await (const c of pr()) writeSync(fd, c);
}
if (op === "E") { let i = 0; for await (const c of protectMessageStream(fileChunks(f.large.plain), { sign: { identity: keys.identity } })) { writeSync(fd, c); if (++i % 50 === 0 && process.env.TL) console.log(i, "rss", kb("VmRSS").toFixed(1), "hwm", kb("VmHWM").toFixed(1), "heap", (process.memoryUsage().heapTotal/1048576).toFixed(1)); } }
if (op === "F") for await (const c of protectMessageStream(fileChunks(f.large.plain), { sign: { identity: keys.identity }, bufferBelow: 0 })) writeSync(fd, c);
console.log(op, "start", start.toFixed(1), "delta", (kb("VmHWM") - start).toFixed(1), "heapTotal", (process.memoryUsage().heapTotal / 1048576).toFixed(1));
