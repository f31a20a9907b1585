/**
 * A quick measurement, not a test: 50 MB through encrypt/decrypt (buffer and stream APIs)
 * beside `openssl cms` on the same DER input. Run from packages/core:
 *   npx tsx src/cms/enveloped/test-support/bench-50mb.ts [stream-rss]
 * `… stream-rss DER KEY CERT` only streams an existing file through decryptEnvelopedStream to
 * /dev/null and prints peak RSS (for comparison with `/usr/bin/time -v openssl cms -decrypt`).
 */
import { execFileSync } from "node:child_process";
import { createPrivateKey, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseCertificate } from "../../../pki/certificate.js";
import { decryptEnveloped } from "../decrypt-enveloped.js";
import { decryptEnvelopedStream } from "../decrypt-enveloped-stream.js";
import { encryptEnveloped } from "../encrypt-enveloped.js";
import { encryptEnvelopedStream } from "../encrypt-enveloped-stream.js";
import { TestPki } from "./test-pki.js";

const MB = 1024 * 1024;

if (process.argv[2] === "stream-rss") {
  const [derPath, keyPath, certPath] = process.argv.slice(3) as [string, string, string];
  const identity = {
    privateKey: createPrivateKey(readFileSync(keyPath)),
    certificate: parseCertificate(readFileSync(certPath, "utf8")),
    chain: [],
  };
  const opened = await decryptEnvelopedStream(createReadStream(derPath, { highWaterMark: 256 * 1024 }), {
    identities: [identity],
  });
  const out = createWriteStream("/dev/null");
  for await (const part of opened.content)
    if (!out.write(part)) await new Promise<void>((r) => out.once("drain", () => r()));
  out.end();
  console.log("peak RSS (MB)", (process.resourceUsage().maxRSS / 1024).toFixed(0));
  process.exit(0);
}

const pki = new TestPki();
const alice = pki.party("Alice", { key: "rsa2048" });
const content = randomBytes(50 * MB);
const plainPath = pki.file("big.bin", content);

async function* chunks(buf: Uint8Array, size = 64 * 1024) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function time(label: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await fn();
    runs.push(performance.now() - t);
  }
  const ms = Math.min(...runs);
  console.log(
    `${label.padEnd(52)} ${ms.toFixed(0).padStart(5)} ms ${(50 / (ms / 1000)).toFixed(0).padStart(6)} MB/s`,
  );
}

const der = await encryptEnveloped(content, { recipients: [alice.certificate] });
const derPath = pki.file("big.der", der);

{
  await time("encryptEnveloped (buffer, AES-256-CBC, RSA-2048)", () =>
    encryptEnveloped(content, { recipients: [alice.certificate] }),
  );
  await time("encryptEnvelopedStream (BER pieces, 64 KiB chunks in)", async () => {
    for await (const _ of encryptEnvelopedStream(chunks(content), { recipients: [alice.certificate] }));
  });
  await time("encryptEnvelopedStream (DER, contentLength)", async () => {
    for await (const _ of encryptEnvelopedStream(chunks(content), {
      recipients: [alice.certificate],
      contentLength: content.length,
    }));
  });
  await time("decryptEnveloped (buffer)", () => decryptEnveloped(der, { identities: [alice.identity] }));
  await time("decryptEnvelopedStream (64 KiB chunks)", async () => {
    const opened = await decryptEnvelopedStream(chunks(der), { identities: [alice.identity] });
    for await (const _ of opened.content);
  });
  const gcm = await encryptEnveloped(content, { recipients: [alice.certificate], cipher: "AES-256-GCM" });
  await time("decryptEnveloped (buffer, AES-256-GCM)", () =>
    decryptEnveloped(gcm, { identities: [alice.identity] }),
  );
  const small: Uint8Array[] = [];
  for await (const p of encryptEnvelopedStream(chunks(content, 1024), {
    recipients: [alice.certificate],
    pieceSize: 1024,
  }))
    small.push(p);
  const ber = Buffer.concat(small);
  await time("decryptEnveloped (BER, 1 KiB pieces as pkijs writes)", () =>
    decryptEnveloped(ber, { identities: [alice.identity] }),
  );
  await time("openssl cms -encrypt -aes256 -binary (DER out)", () =>
    execFileSync("openssl", [
      ...["cms", "-encrypt", "-binary", "-aes256", "-outform", "DER", "-in", plainPath],
      ...["-out", join(pki.dir, "o.der"), alice.certPath],
    ]),
  );
  await time("openssl cms -decrypt -binary (DER in)", () =>
    execFileSync("openssl", [
      ...["cms", "-decrypt", "-binary", "-inform", "DER", "-in", derPath, "-out", join(pki.dir, "o.bin")],
      ...["-recip", alice.certPath, "-inkey", alice.keyPath],
    ]),
  );
  writeFileSync(join(pki.dir, "done"), "");
  console.log(`files for stream-rss: ${derPath} ${alice.keyPath} ${alice.certPath}`);
}
