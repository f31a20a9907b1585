import { readFileSync } from "node:fs";
import { createPrivateKey } from "node:crypto";
import { parseCertificate } from "../src/pki/certificate.js";
import { pemBlocks } from "../src/pki/pem.js";
import { protectMessage } from "../src/smime/protect.js";
import { protectMessageStream } from "../src/smime/protect-stream.js";
import { openMessage } from "../src/smime/open.js";
const d = "/tmp/sb/";
const cert = parseCertificate(pemBlocks(readFileSync(d + "user.pem", "utf8"))[0]!);
const ca = parseCertificate(pemBlocks(readFileSync(d + "ca.pem", "utf8"))[0]!);
const key = createPrivateKey(readFileSync(d + "user.key"));
const identity = { privateKey: key, certificate: cert, chain: [] };
const signingTime = new Date("2025-01-01T00:00:00Z");
async function collect(it: AsyncIterable<Uint8Array>) { const a: Buffer[] = []; for await (const c of it) a.push(Buffer.from(c)); return Buffer.concat(a); }
function* chunks(b: Uint8Array, n: number) { for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n); }
const msgs = [
  "From: a@example.test\nTo: b@example.test\nSubject: hi\nContent-Type: text/plain\n\nhello\nworld\n",
  "From: a@example.test\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npre\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nh\u00e9llo\r\n--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\nBBBB\r\n--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\u0000\u0001\n\u0002\r\n--XX--\r\nepi\r\n",
];
for (const m of msgs) {
  const raw = Buffer.from(m, "utf8");
  const buf = Buffer.from(await protectMessage(raw, { sign: { identity, signingTime } }));
  for (const size of [1, 3, 7, 64, 1 << 16]) {
    const st = await collect(protectMessageStream(chunks(raw, size), { sign: { identity, signingTime }, bufferBelow: 0 }));
    const b1 = /boundary="([^"]+)"/.exec(buf.toString("latin1"))![1]!;
    const b2 = /boundary="([^"]+)"/.exec(st.toString("latin1"))![1]!;
    const same = buf.toString("latin1").split(b1).join("B") === st.toString("latin1").split(b2).join("B");
    if (!same) { console.log("DIFF size", size); console.log(JSON.stringify(buf.toString("latin1"))); console.log(JSON.stringify(st.toString("latin1"))); break; }
  }
  const enc = await collect(protectMessageStream(chunks(raw, 5), { sign: { identity, signingTime }, encrypt: { recipients: [cert] }, bufferBelow: 0 }));
  const r = await openMessage(enc, { identities: [identity], trust: [ca], at: new Date() });
  console.log(JSON.stringify(r.layers.map((l: any) => [l.type, l.cipher ?? l.signers?.[0]?.status])));
  console.log("ok");
}
