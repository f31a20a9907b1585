import { readFileSync, openSync, writeSync, closeSync } from "node:fs";
import { loadKeys } from "./fixtures.js";
import { fileChunks } from "./ops.js";
import { protectMessageStream } from "../src/smime/protect-stream.js";
const f = JSON.parse(readFileSync("/tmp/sb/fx/fixtures.json", "utf8"));
const keys = loadKeys(f);
const fd = openSync("/tmp/sb/fx/out-q", "w");
let i = 0;
const mb = (x: number) => (x / 1048576).toFixed(1);
const show = () => { const m = process.memoryUsage(); console.log(i, "rss", mb(m.rss), "heapTotal", mb(m.heapTotal), "heapUsed", mb(m.heapUsed), "ext", mb(m.external), "ab", mb(m.arrayBuffers)); };
show();
for await (const c of protectMessageStream(fileChunks(f.large.plain), { sign: { identity: keys.identity } })) { writeSync(fd, c); if (++i % 200 === 0) show(); }
show();
