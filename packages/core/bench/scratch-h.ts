import { readFileSync, createReadStream } from "node:fs";
import { createPrivateKey } from "node:crypto";
import { parseCertificate } from "../src/pki/certificate.js";
import { pemBlocks } from "../src/pki/pem.js";
import { openMessageStream } from "../src/smime/open-stream.js";
import { base64DecodeChunks } from "../src/mime/base64.js";
const d = "/tmp/sb/";
const cert = parseCertificate(pemBlocks(readFileSync(d + "user.pem", "utf8"))[0]!);
const key = createPrivateKey(readFileSync(d + "user.key"));
const identity = { privateKey: key, certificate: cert, chain: [] };
const mode = process.argv[2];
for (let i = 0; i < 3; i++) {
const t = performance.now();
if (mode === "b64") { let n = 0; for await (const c of base64DecodeChunks(createReadStream(d + "enc.eml", { start: 300 }))) n += c.length; console.log(n); }
else if (mode === "read") { let n = 0; for await (const c of createReadStream(d + "enc.eml")) n += c.length; }
else await openMessageStream(createReadStream(d + "enc.eml"), { identities: [identity], out: (c) => {} });
console.log(mode, (performance.now() - t).toFixed(0), "ms");
}
