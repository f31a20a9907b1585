import { readFileSync, openSync, writeSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadKeys } from "./fixtures.js";
import { fileChunks } from "./ops.js";
import { protectMessageStream } from "../src/smime/protect-stream.js";
const f = JSON.parse(readFileSync("/tmp/sb/fx/fixtures.json", "utf8"));
const keys = loadKeys(f);
const fd = openSync("/tmp/sb/fx/out-s", "w");
const s = new Session(); s.connect();
await s.post("HeapProfiler.startSampling", { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
for await (const c of protectMessageStream(fileChunks(f.large.plain), { sign: { identity: keys.identity } })) writeSync(fd, c);
const { profile } = await s.post("HeapProfiler.stopSampling") as any;
const agg = new Map<string, number>();
function walk(n: any, stack: string[]) {
  const name = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
  const self = n.selfSize;
  if (self) agg.set(name, (agg.get(name) ?? 0) + self);
  for (const c of n.children) walk(c, [...stack, name]);
}
walk(profile.head, []);
const total = [...agg.values()].reduce((a, b) => a + b, 0);
console.log("total sampled MB", (total / 1048576).toFixed(1));
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((v / 1048576).toFixed(2).padStart(7), "MB", k);
