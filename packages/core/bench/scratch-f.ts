import { BoundaryScanner } from "../src/smime/stream-boundary-scanner.js";
const body = Buffer.from("pre\r\n--XX\r\nA: b\r\n\r\nbody\r\n--XX\r\n\r\nx\r\n--XX--\r\nepi\r\n");
for (const size of [1, 2, 3, 100]) {
  const s = new BoundaryScanner("XX", 100);
  const segs: any[] = [];
  for (let i = 0; i < body.length; i += size) segs.push(...s.push(body.subarray(i, i + size)));
  segs.push(...s.end());
  const merged: string[] = [];
  let last = "";
  for (const g of segs) { const k = g.kind + (g.index ?? ""); if (k === last && g.kind !== "delimiter") merged[merged.length - 1] += Buffer.from(g.bytes).toString(); else merged.push(k + ":" + Buffer.from(g.bytes).toString()); last = k; }
  console.log(size, JSON.stringify(merged));
}
