import { randomBytes } from "node:crypto";
import { base64Encode, base64Decode, Base64Decoder } from "../src/mime/base64.js";
function dec(input: Buffer, size: number) { const d = new Base64Decoder(); const parts: Uint8Array[] = []; try { for (let i = 0; i < input.length; i += size) parts.push(d.push(input.subarray(i, i + size))); parts.push(d.flush()); return Buffer.concat(parts).toString("hex"); } catch (e: any) { return "ERR " + e.message; } }
function one(input: Buffer) { try { return Buffer.from(base64Decode(input)).toString("hex"); } catch (e: any) { return "ERR " + e.message; } }
let bad = 0;
for (let t = 0; t < 3000; t++) {
  const raw = randomBytes(Math.floor(Math.random() * 20000));
  let enc = Buffer.from(base64Encode(raw, [76, 64, 4, 72][t % 4]));
  if (t % 3 === 1) enc = Buffer.from(enc.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
  if (t % 7 === 2) enc = Buffer.from(enc.toString("latin1").replace(/\r\n/g, ""), "latin1");
  if (t % 2 === 0 && enc.length > 0) { const pos = Math.floor(Math.random() * enc.length); const chars = ["-", "_", "=", " ", "!", "\u0080", "\n", "\r", "A", "\t"]; const c = chars[t % chars.length]!; enc = Buffer.concat([enc.subarray(0, pos), Buffer.from(c, "latin1"), enc.subarray(pos)]); }
  const want = one(enc);
  for (const size of [1024, 1500, 4096, 100000]) { const got = dec(enc, size); if (got !== want) { bad++; if (bad < 5) console.log("MISMATCH", t, size, want.slice(0, 80), "|", got.slice(0, 80)); break; } }
}
console.log("mismatches", bad);
const big = Buffer.from(base64Encode(randomBytes(50 * 1024 * 1024)));
for (let k = 0; k < 4; k++) { const t0 = performance.now(); const d = new Base64Decoder(); let n = 0; for (let i = 0; i < big.length; i += 262144) n += d.push(big.subarray(i, i + 262144)).length; n += d.flush().length; console.log("decode 70MB", (performance.now() - t0).toFixed(0), "ms", n); }
