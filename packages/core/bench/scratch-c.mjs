import { createReadStream, createWriteStream } from "node:fs";
import { createHash } from "node:crypto";
const mode = process.argv[2];
const base = process.resourceUsage().maxRSS;
if (mode !== "base") {
  const h = createHash("sha256");
  const out = createWriteStream("/tmp/sb/scratch.out");
  for await (const chunk of createReadStream("/tmp/sb/big.eml")) {
    h.update(chunk);
    if (mode === "copy") { const c = Buffer.from(chunk); if (!out.write(c)) await new Promise(r => out.once("drain", r)); }
    else if (!out.write(chunk)) await new Promise(r => out.once("drain", r));
  }
  await new Promise(r => out.end(r));
}
console.log(mode, "maxRSS MB", (process.resourceUsage().maxRSS / 1024).toFixed(1), "start", (base/1024).toFixed(1));
