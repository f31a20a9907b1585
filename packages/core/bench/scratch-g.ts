import { readFileSync, createReadStream } from "node:fs";
import { createPrivateKey } from "node:crypto";
import { parseCertificate } from "../src/pki/certificate.js";
import { pemBlocks } from "../src/pki/pem.js";
import { protectMessage } from "../src/smime/protect.js";
import { openMessage } from "../src/smime/open.js";
import { openMessageStream } from "../src/smime/open-stream.js";
const d = "/tmp/sb/";
const cert = parseCertificate(pemBlocks(readFileSync(d + "user.pem", "utf8"))[0]!);
const ca = parseCertificate(pemBlocks(readFileSync(d + "ca.pem", "utf8"))[0]!);
const key = createPrivateKey(readFileSync(d + "user.key"));
const identity = { privateKey: key, certificate: cert, chain: [] };
const signingTime = new Date("2025-01-01T00:00:00Z");
function* chunks(b: Uint8Array, n: number) { for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n); }
const strip = (l: any) => JSON.stringify(l, (k, v) => (k === "certificate" ? undefined : v));
const raw = Buffer.from("From: Bench <bench@example.test>\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npre\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nh\u00e9llo\r\n--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\nBBBB\r\n--XX--\r\nepi\r\n", "utf8");
const variants: any[] = [
  { sign: { identity, signingTime } },
  { encrypt: { recipients: [cert] } },
  { sign: { identity, signingTime }, encrypt: { recipients: [cert] } },
  { sign: { identity, signingTime, opaque: true } },
  { sign: { identity, signingTime, opaque: true }, encrypt: { recipients: [cert], cipher: "AES-128-GCM" } },
];
for (const v of variants) {
  const msg = await protectMessage(raw, v);
  const want = await openMessage(msg, { identities: [identity], trust: [ca], at: new Date() });
  for (const size of [1, 7, 100, 65536]) {
    const out: Buffer[] = [];
    const got = await openMessageStream(chunks(msg, size), { identities: [identity], trust: [ca], at: new Date(), bufferBelow: 0, out: (c) => void out.push(Buffer.from(c)) });
    const same = strip(got.layers) === strip(want.layers) && Buffer.concat(out).equals(Buffer.from(want.content));
    if (!same) { console.log("DIFF", size, strip(got.layers), strip(want.layers), Buffer.concat(out).length, want.content.length); break; }
  }
  console.log("ok", strip(want.layers.map((l: any) => l.type)));
}
// openssl-made 50MB files
for (const f of ["signed.eml", "enc.eml"]) {
  const t = performance.now();
  let n = 0;
  const got = await openMessageStream(createReadStream(d + f), { identities: [identity], trust: [ca], out: (c) => { n += c.length; } });
  console.log(f, (performance.now() - t).toFixed(0), "ms", n, strip(got.layers.map((l: any) => [l.type, l.signers?.[0]?.status ?? l.cipher])));
}
