/**
 * Bench fixtures, made fresh in a temp dir: an RSA-2048 CA and user issued by `openssl`, a
 * 10 KB text message and a ~50 MB message (text/plain body plus a base64 attachment, CRLF,
 * 76-column lines: what a mail client sends), and the signed / encrypted forms of both made
 * by `openssl cms`, which both sides then verify / decrypt (the same input files for both).
 */
import { execFileSync } from "node:child_process";
import { createPrivateKey, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { base64Encode } from "../src/mime/base64.js";
import { type Certificate, parseCertificate } from "../src/pki/certificate.js";
import type { Identity } from "../src/pki/identity.js";
import { pemBlocks } from "../src/pki/pem.js";

export interface Keys {
  ca: Certificate;
  user: Certificate;
  identity: Identity;
}

export interface Message {
  /** The message a user sends. */
  plain: string;
  /** `openssl cms -sign` of it (multipart/signed, detached). */
  signed: string;
  /** `openssl cms -encrypt -aes256` of it. */
  encrypted: string;
  bytes: number;
}

export interface Fixtures {
  dir: string;
  caPem: string;
  userPem: string;
  userKey: string;
  small: Message;
  large: Message;
}

const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });

function issueKeys(dir: string): Pick<Fixtures, "caPem" | "userPem" | "userKey"> {
  const caPem = join(dir, "ca.pem");
  const caKey = join(dir, "ca.key");
  const userPem = join(dir, "user.pem");
  const userKey = join(dir, "user.key");
  const csr = join(dir, "user.csr");
  const ext = join(dir, "user.ext");
  openssl([
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caPem],
    ...["-subj", "/CN=Sealbox Bench CA", "-days", "30"],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ]);
  openssl([
    ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", userKey, "-out", csr],
    ...["-subj", "/CN=Bench User/emailAddress=bench@example.test"],
  ]);
  writeFileSync(
    ext,
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" +
      "extendedKeyUsage=emailProtection\nsubjectAltName=email:bench@example.test\n",
  );
  openssl([
    ...["x509", "-req", "-in", csr, "-CA", caPem, "-CAkey", caKey, "-CAcreateserial"],
    ...["-out", userPem, "-days", "30", "-extfile", ext],
  ]);
  return { caPem, userPem, userKey };
}

export function loadKeys(f: Pick<Fixtures, "caPem" | "userPem" | "userKey">): Keys {
  const cert = (path: string) => parseCertificate(pemBlocks(readFileSync(path, "utf8"))[0] as Uint8Array);
  const user = cert(f.userPem);
  return {
    ca: cert(f.caPem),
    user,
    identity: { privateKey: createPrivateKey(readFileSync(f.userKey)), certificate: user, chain: [] },
  };
}

const HEADER =
  "From: Bench User <bench@example.test>\r\nTo: Bob <bob@example.test>\r\n" +
  "Subject: Quarterly figures\r\nDate: Mon, 03 Mar 2025 10:00:00 +0000\r\n" +
  "Message-ID: <bench-1@example.test>\r\nMIME-Version: 1.0\r\n";

function text(bytes: number): string {
  const line = "The figures for the quarter are attached; the summary follows below.\r\n";
  return `${line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes - 2)}\r\n`;
}

function smallMessage(): Buffer {
  const head = `${HEADER}Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n`;
  return Buffer.from(head + text(10 * 1024 - head.length), "latin1");
}

/** multipart/mixed: a short text part and an attachment whose base64 fills the message to `total`. */
function largeMessage(total: number): Buffer {
  const head =
    `${HEADER}Content-Type: multipart/mixed; boundary="=_bench_boundary"\r\n\r\n` +
    "--=_bench_boundary\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
    text(4096) +
    "--=_bench_boundary\r\nContent-Type: application/pdf; name=figures.pdf\r\n" +
    "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=figures.pdf\r\n\r\n";
  const tail = "--=_bench_boundary--\r\n";
  const raw = Math.floor(((total - head.length - tail.length) / 78) * 57);
  return Buffer.concat([
    Buffer.from(head, "latin1"),
    base64Encode(randomBytes(raw)),
    Buffer.from(tail, "latin1"),
  ]);
}

function message(
  dir: string,
  name: string,
  bytes: Buffer,
  keys: Pick<Fixtures, "userPem" | "userKey">,
): Message {
  const plain = join(dir, `${name}.eml`);
  const signed = join(dir, `${name}-signed.eml`);
  const encrypted = join(dir, `${name}-encrypted.eml`);
  writeFileSync(plain, bytes);
  openssl(["cms", "-sign", "-in", plain, "-signer", keys.userPem, "-inkey", keys.userKey, "-out", signed]);
  openssl(["cms", "-encrypt", "-aes256", "-in", plain, "-out", encrypted, keys.userPem]);
  return { plain, signed, encrypted, bytes: bytes.length };
}

export function makeFixtures(dir: string, largeBytes: number): Fixtures {
  const keys = issueKeys(dir);
  return {
    dir,
    ...keys,
    small: message(dir, "small", smallMessage(), keys),
    large: message(dir, "large", largeMessage(largeBytes), keys),
  };
}
