import { createReadStream, openSync, readSync, writeSync, closeSync } from "node:fs";
import { createHash } from "node:crypto";
const mode = process.argv[2];
const h = createHash("sha256");
async function* fresh(path) { const fd = openSync(path, "r"); for (;;) { const b = Buffer.allocUnsafeSlow(65536); const n = readSync(fd, b); if (n === 0) break; yield b.subarray(0, n); } closeSync(fd); }
async function* reuse(path) { const fd = openSync(path, "r"); const b = Buffer.allocUnsafeSlow(65536); for (;;) { const n = readSync(fd, b); if (n === 0) break; yield b.subarray(0, n); } closeSync(fd); }
const src = mode === "stream" ? createReadStream("/tmp/sb/big.eml") : mode === "fresh" ? fresh("/tmp/sb/big.eml") : reuse("/tmp/sb/big.eml");
const fd = openSync("/tmp/sb/scratch.out", "w");
for await (const chunk of src) { h.update(chunk); writeSync(fd, chunk); }
console.log(mode, "maxRSS MB", (process.resourceUsage().maxRSS / 1024).toFixed(1));
