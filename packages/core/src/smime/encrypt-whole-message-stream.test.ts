import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEntity } from "../mime/parse-entity.js";
import { decryptOuterLayer } from "./decrypt-layer.js";
import { encryptWholeMessage, encryptWholeMessageStream } from "./encrypt-whole-message.js";
import { openMessage } from "./open.js";
import { pkcs7Der } from "./test-support/mime-craft.js";
import { openssl } from "./test-support/peers.js";
import { type Party, SmimePki } from "./test-support/pki.js";

/**
 * encryptWholeMessageStream: what openssl decrypts is the input byte for byte, the visible
 * envelope is encryptWholeMessage's (Subject as `[...]` when hidden), and a 64 MiB message
 * goes through in a few MiB of memory.
 */
let pki: SmimePki;
let bob: Party;

beforeAll(() => {
  pki = new SmimePki("whole-stream");
  bob = pki.party("Bob Example");
}, 60_000);

afterAll(() => pki?.cleanup());

const HEAD =
  "Received: from mx (x [192.0.2.1])\r\n\tby sealbox; Sat, 05 Dec 2026 07:00:00 +0000\r\n" +
  "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: quarterly numbers\r\n" +
  "Date: Sat, 05 Dec 2026 07:00:00 +0000\r\nMessage-ID: <m1@example.test>\r\nX-Extra: kept inside\r\n" +
  "Content-Type: text/plain; charset=utf-8\r\n\r\n";

function message(bodyBytes: number, eol = "\r\n"): Buffer {
  const line = Buffer.from(`${"0123456789abcdef".repeat(4)}${eol}`, "latin1");
  const body = Buffer.alloc(bodyBytes);
  for (let at = 0; at < bodyBytes; at += line.length) line.copy(body, at);
  return Buffer.concat([Buffer.from(HEAD.replaceAll("\r\n", eol), "latin1"), body]);
}

function* chunked(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

const headerOf = (m: Uint8Array) => {
  const text = Buffer.from(m).toString("latin1");
  return text.slice(0, text.indexOf("\r\n\r\n"));
};

describe("encryptWholeMessageStream", () => {
  it("openssl cms -decrypt gives back the input exactly, small and over 1 MiB, BER and DER", async () => {
    for (const raw of [message(300), message(3 * 1024 * 1024 + 17), message(1500 * 1024, "\n")]) {
      for (const contentLength of [undefined, raw.length]) {
        const sealed = await collect(
          encryptWholeMessageStream(chunked(raw, 7919), {
            recipients: [bob.certificate],
            ...(contentLength !== undefined ? { contentLength } : {}),
          }),
        );
        // BER with indefinite lengths when the length is not given, DER when it is.
        expect(pkcs7Der(sealed)[1] === 0x80).toBe(contentLength === undefined);
        const decrypted = openssl.decrypt(pki, sealed, bob, ["-binary"]);
        expect(decrypted.ok, decrypted.stderr).toBe(true);
        expect(decrypted.content.equals(raw)).toBe(true);
        // Base64 in lines of at most 76 columns (RFC 8551 §3.2.1 via RFC 2045 §6.8).
        const body = sealed.toString("latin1").split("\r\n\r\n")[1] ?? "";
        expect(body.split("\r\n").every((l) => l.length <= 76)).toBe(true);
      }
    }
  }, 120_000);

  it("has encryptWholeMessage's visible envelope, and core's own open restores the bytes", async () => {
    const raw = message(2 * 1024 * 1024);
    const options = { recipients: [bob.certificate], cipher: "AES-128-GCM" as const };
    const streamed = await collect(encryptWholeMessageStream(chunked(raw, 65536), options));
    const whole = await encryptWholeMessage(raw, options);
    expect(headerOf(streamed)).toBe(headerOf(whole));
    expect(headerOf(streamed)).toContain("smime-type=authEnveloped-data");
    const opened = await decryptOuterLayer(streamed, { identities: [bob.identity] });
    expect(opened.layer.cipher).toBe("AES-128-GCM");
    expect(Buffer.from(opened.message).equals(raw)).toBe(true);
    const read = await openMessage(streamed, { identities: [bob.identity] });
    expect(read.layers[0]).toMatchObject({ type: "encrypted", cipher: "AES-128-GCM" });
    expect(Buffer.from(read.content).equals(raw)).toBe(true);
  }, 60_000);

  it("writes `Subject: [...]` outside when hiding, the real Subject only inside", async () => {
    const raw = message(400 * 1024);
    const sealed = await collect(
      encryptWholeMessageStream([raw], { recipients: [bob.certificate], hideSubject: true }),
    );
    const outer = parseEntity(sealed);
    expect(outer.headers.filter((f) => f.name === "Subject").map((f) => f.value.trim())).toEqual(["[...]"]);
    expect(sealed.includes(Buffer.from("quarterly"))).toBe(false);
    expect(headerOf(sealed)).toMatch(/^From: Alice <alice@example\.test>\r\nTo: bob@example\.test\r\n/);
    const decrypted = openssl.decrypt(pki, sealed, bob, ["-binary"]);
    expect(decrypted.ok, decrypted.stderr).toBe(true);
    expect(decrypted.content.includes(Buffer.from("Subject: quarterly numbers\r\n"))).toBe(true);
  }, 60_000);

  it("takes the caller's parse of the header block instead of parsing the stream again", async () => {
    const raw = message(120 * 1024);
    const options = { recipients: [bob.certificate], contentLength: raw.length };
    const parsedOnce = await collect(
      encryptWholeMessageStream(chunked(raw, 4096), { ...options, header: parseEntity(raw) }),
    );
    const parsedHere = await collect(encryptWholeMessageStream(chunked(raw, 4096), options));
    expect(headerOf(parsedOnce)).toBe(headerOf(parsedHere));
    const decrypted = openssl.decrypt(pki, parsedOnce, bob, ["-binary"]);
    expect(decrypted.ok, decrypted.stderr).toBe(true);
    expect(decrypted.content.equals(raw)).toBe(true);
    // The envelope's fields come from the entity given, not from the stream.
    const other = parseEntity(Buffer.from("From: other@example.test\r\nSubject: given\r\n\r\n", "latin1"));
    const fromGiven = await collect(encryptWholeMessageStream([raw], { ...options, header: other }));
    expect(headerOf(fromGiven)).toMatch(/^From: other@example\.test\r\nSubject: given\r\n/);
  }, 60_000);

  it("refuses misuse before streaming: no recipient, unknown cipher", () => {
    expect(() => encryptWholeMessageStream([message(10)], { recipients: [] })).toThrow(/recipient/);
    expect(() =>
      encryptWholeMessageStream([message(10)], {
        recipients: [bob.certificate],
        cipher: "ROT13" as never,
      }),
    ).toThrow(/cipher/);
  });

  it("encrypts a generated 64 MiB message holding a few MiB, not the message", async () => {
    const size = 64 * 1024 * 1024;
    const block = Buffer.from(
      randomBytes(48)
        .toString("base64")
        .repeat(1024 * 16),
      "latin1",
    );
    const head = Buffer.from(HEAD, "latin1");
    // The producer reuses one buffer: a stream that kept chunks would also get them wrong.
    async function* generated(): AsyncGenerator<Uint8Array> {
      yield head;
      for (let sent = head.length; sent < size; sent += block.length)
        yield block.subarray(0, Math.min(block.length, size - sent));
    }
    const held = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = held();
    let peak = 0;
    let out = 0;
    let sinceSample = 0;
    for await (const part of encryptWholeMessageStream(generated(), { recipients: [bob.certificate] })) {
      out += part.length;
      sinceSample += part.length;
      if (sinceSample >= 4 * 1024 * 1024) {
        sinceSample = 0;
        peak = Math.max(peak, held() - before);
      }
    }
    expect(out).toBeGreaterThan(size * 1.3); // base64 of all of it
    // A whole-message encryptor holds the input, the DER and its base64: over 200 MiB.
    expect(peak).toBeLessThan(48 * 1024 * 1024);
  }, 180_000);
});
