import { randomBytes } from "node:crypto";
import { base64Encode, Base64Encoder } from "../src/mime/base64.js";
let bad = 0;
for (let t = 0; t < 2000; t++) {
  const raw = randomBytes(Math.floor(Math.random() * 200000));
  const L = [76, 64, 4, 72, 996][t % 5]!;
  const want = Buffer.from(base64Encode(raw, L));
  // reference: naive
  const ref = Buffer.from((raw.toString("base64").match(new RegExp(`.{1,${L}}`, "g")) ?? []).map((l) => l + "\r\n").join(""), "latin1");
  if (!want.equals(ref)) { bad++; console.log("one-shot differs", t, L); }
  const e = new Base64Encoder(L); const parts: Uint8Array[] = [];
  const size = [1, 57, 100, 65536, 7][t % 5]!;
  for (let i = 0; i < raw.length; i += size) parts.push(e.push(raw.subarray(i, i + size)));
  parts.push(e.flush());
  if (!Buffer.concat(parts).equals(ref)) { bad++; if (bad < 5) console.log("stream differs", t, L, size); }
}
console.log("bad", bad);
const big = randomBytes(50 * 1024 * 1024);
for (let k = 0; k < 4; k++) { const t0 = performance.now(); const e = new Base64Encoder(); let n = 0; for (let i = 0; i < big.length; i += 65536) n += e.push(big.subarray(i, i + 65536)).length; n += e.flush().length; console.log("encode 50MB", (performance.now() - t0).toFixed(0), "ms", n); }
