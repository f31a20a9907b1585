import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreError } from "../errors.js";
import { type OpenResult, openMessage } from "./open.js";
import { protectMessage } from "./protect.js";
import { type ProtectStreamOptions, protectMessageStream } from "./protect-stream.js";
import { messageModel, serializeMessage } from "./test-support/arbitraries.js";
import { pkcs7Der } from "./test-support/mime-craft.js";
import { Gpgsm, openssl } from "./test-support/peers.js";
import { type Party, SmimePki } from "./test-support/pki.js";

/**
 * protectMessageStream against protectMessage: detached signing streams the
 * very bytes protectMessage writes (up to the random boundary), whatever the MIME and however
 * the input is chunked; encryption (BER when streamed) opens to the same layers and content;
 * peers read what streams out; the stream holds no chunk after asking for the next one.
 */
let pki: SmimePki;
let alice: Party;
let bob: Party;
const signingTime = new Date("2026-02-02T10:00:00Z");

beforeAll(() => {
  pki = new SmimePki("protect-stream");
  alice = pki.party("Alice Example");
  bob = pki.party("Bob Example");
}, 60_000);

afterAll(() => pki?.cleanup());

function* chunks(bytes: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes.length > 0 ? (sizes[i % sizes.length] as number) : 65536);
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** Every multipart/signed boundary we chose ("----=_sealbox_" + 32 hex) as one fixed string. */
const sameBoundary = (message: Uint8Array) =>
  Buffer.from(message)
    .toString("latin1")
    .replace(/----=_sealbox_[0-9a-f]{32}/g, "----=_sealbox_B");

/** The header block of a message (up to the blank line). */
const headerOf = (message: Uint8Array) => {
  const text = Buffer.from(message).toString("latin1");
  return text.slice(0, text.indexOf("\r\n\r\n"));
};

/** Layers without certificate objects (compared by value). */
const report = (result: OpenResult) =>
  JSON.parse(JSON.stringify(result.layers, (key, value) => (key === "certificate" ? undefined : value)));

const stream = (raw: Uint8Array, options: ProtectStreamOptions, sizes: number[] = []) =>
  collect(protectMessageStream(chunks(raw, sizes), options));

/** A message big enough to stream: text, an LF-only text part, a base64 and a binary attachment. */
function largeMessage(): Buffer {
  const attachment = Buffer.alloc(1_500_000);
  for (let i = 0; i < attachment.length; i++) attachment[i] = (i * 7919) & 0xff;
  const b64 = (attachment.toString("base64").match(/.{1,76}/g) ?? []).join("\r\n");
  return Buffer.concat([
    Buffer.from(
      "From: Alice Example <alice@example.test>\r\nTo: bob@example.test\r\nBcc: eve@example.test\r\n" +
        'Subject: figures\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
        "preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
        "Gr\u00fc\u00dfe, the figures are attached.\r\nFrom here on it is all numbers.\r\n" +
        "--b1\r\nContent-Type: text/plain\r\n\r\nstored with LF only\nsecond line\n\r\n" +
        '--b1\r\nContent-Type: application/pdf; name="f.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
      "utf8",
    ),
    Buffer.from(b64, "latin1"),
    Buffer.from(
      "\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n",
    ),
    attachment.subarray(0, 300_000),
    Buffer.from("\r\n--b1--\r\nepilogue\r\n"),
  ]);
}

describe("protectMessageStream: detached signing gives protectMessage's bytes", () => {
  it("for random MIME and random chunking (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        messageModel,
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom("SHA-256" as const, "SHA-384" as const, "SHA-512" as const),
        async (model, sizes, digest) => {
          const raw = serializeMessage(model);
          const sign = { identity: alice.identity, signingTime, digest };
          const buffered = await protectMessage(raw, { sign });
          const streamed = await stream(raw, { sign, bufferBelow: 0 }, sizes);
          expect(sameBoundary(streamed)).toBe(sameBoundary(buffered));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("for a large message with binary, base64 and LF-only parts, read in 64 KiB chunks", async () => {
    const raw = largeMessage();
    const sign = { identity: alice.identity, signingTime };
    const buffered = await protectMessage(raw, { sign });
    const streamed = await stream(raw, { sign }, [65536]);
    expect(sameBoundary(streamed)).toBe(sameBoundary(buffered));
    const verified = openssl.verify(pki, streamed);
    expect(verified.ok, verified.stderr).toBe(true);
    const opened = await openMessage(streamed, { trust: [pki.caCertificate] });
    expect(opened.layers[0]).toMatchObject({ type: "signed", form: "detached", content: "Multipart" });
    expect(opened.layers[0]?.type === "signed" && opened.layers[0].signers[0]?.status).toBe("valid");
  });

  it("below bufferBelow it is protectMessage itself", async () => {
    const raw = Buffer.from("From: alice@example.test\r\nSubject: hi\r\n\r\nhello\r\n");
    const sign = { identity: alice.identity, signingTime };
    expect(sameBoundary(await stream(raw, { sign }, [3]))).toBe(
      sameBoundary(await protectMessage(raw, { sign })),
    );
  });
});

describe("protectMessageStream: encryption opens to what protectMessage's does", () => {
  it("sign+encrypt and encrypt alone, random MIME and chunking (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        messageModel,
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom("AES-256-CBC" as const, "AES-128-GCM" as const, "AES-192-CBC" as const),
        async (model, sizes, sign, cipher) => {
          const raw = serializeMessage(model);
          const options = {
            ...(sign ? { sign: { identity: alice.identity, signingTime } } : {}),
            encrypt: { recipients: [bob.certificate, alice.certificate], cipher },
          };
          const open = (m: Uint8Array) =>
            openMessage(m, { identities: [bob.identity], trust: [pki.caCertificate], at: signingTime });
          const buffered = await protectMessage(raw, options);
          const streamed = await stream(raw, { ...options, bufferBelow: 0 }, sizes);
          expect(headerOf(streamed)).toBe(headerOf(buffered)); // the visible envelope, byte for byte
          const want = await open(buffered);
          const got = await open(streamed);
          expect(report(got)).toEqual(report(want));
          expect(sameBoundary(got.content)).toBe(sameBoundary(want.content));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("writes BER that openssl and gpgsm decrypt, GCM and OAEP included, Subject hidden on request", async () => {
    const raw = largeMessage();
    const want = await openMessage(
      await protectMessage(raw, { encrypt: { recipients: [bob.certificate] } }),
      {
        identities: [bob.identity],
      },
    );
    for (const encrypt of [
      { recipients: [bob.certificate] },
      { recipients: [bob.certificate], cipher: "AES-128-GCM" as const },
      { recipients: [bob.certificate], oaep: true },
    ]) {
      const streamed = await stream(raw, { encrypt, hideSubject: true }, [65536]);
      const text = streamed.toString("latin1");
      expect(text).toMatch(
        /^From: Alice Example <alice@example\.test>\r\nTo: bob@example\.test\r\nSubject: \[\.\.\.\]\r\n/,
      );
      expect(text).not.toContain("eve@example.test");
      const der = pkcs7Der(streamed);
      expect(der.subarray(0, 2)).toEqual(Buffer.from([0x30, 0x80])); // BER, indefinite length
      const decrypted = openssl.decrypt(pki, streamed, bob);
      expect(decrypted.ok, decrypted.stderr).toBe(true);
      expect(decrypted.content.equals(Buffer.from(want.content))).toBe(true);
    }
    const gpg = new Gpgsm(pki, [bob]);
    try {
      const cbc = pkcs7Der(await stream(raw, { encrypt: { recipients: [bob.certificate] } }));
      const out = gpg.decrypt(cbc);
      expect(out.ok, out.stderr).toBe(true);
      expect(out.content.equals(Buffer.from(want.content))).toBe(true);
    } finally {
      gpg.close();
    }
  }, 60_000);
});

describe("protectMessageStream: streaming contract", () => {
  it("never holds a chunk after asking for the next: a producer may reuse its buffer", async () => {
    const raw = largeMessage();
    async function* reusing(size: number): AsyncGenerator<Uint8Array> {
      const buf = Buffer.alloc(size);
      for (let at = 0; at < raw.length; at += size) {
        const n = raw.copy(buf, 0, at, at + size);
        yield buf.subarray(0, n);
        buf.fill(0x58); // scribble over what was handed out
      }
    }
    for (const options of [
      { sign: { identity: alice.identity, signingTime } },
      { encrypt: { recipients: [bob.certificate] } },
      { sign: { identity: alice.identity, signingTime }, encrypt: { recipients: [bob.certificate] } },
    ]) {
      const fresh = await stream(raw, options, [4096]);
      const reused = await collect(protectMessageStream(reusing(4096), options));
      if (options.encrypt) {
        const open = (m: Uint8Array) =>
          openMessage(m, { identities: [bob.identity], trust: [pki.caCertificate] });
        const [a, b] = [await open(fresh), await open(reused)];
        expect(report(b)).toEqual(report(a));
        expect(sameBoundary(b.content)).toBe(sameBoundary(a.content));
      } else {
        expect(sameBoundary(reused)).toBe(sameBoundary(fresh));
      }
    }
  });

  it("refuses misuse at once and oversize input while reading", async () => {
    const raw = largeMessage();
    const expectCode = (fn: () => unknown, code: string) =>
      expect(fn).toThrow(expect.objectContaining({ name: "CoreError", code }));
    expectCode(() => protectMessageStream([raw], {}), "invalid-argument");
    expectCode(() => protectMessageStream([raw], { encrypt: { recipients: [] } }), "invalid-argument");
    expectCode(
      () =>
        protectMessageStream([raw], { encrypt: { recipients: [bob.certificate], cipher: "ROT13" as never } }),
      "unsupported-algorithm",
    );
    const error = await stream(raw, {
      sign: { identity: alice.identity },
      limits: { maxMessageBytes: 1_000_000 },
    }).then(
      () => undefined,
      (e: CoreError) => e,
    );
    expect(error?.code).toBe("limit-exceeded");
  });

  it("stops the source when the consumer stops", async () => {
    const raw = largeMessage();
    let returned = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield* chunks(raw, [65536]);
      } finally {
        returned = true;
      }
    }
    for await (const _ of protectMessageStream(source(), { sign: { identity: alice.identity } })) break;
    expect(returned).toBe(true);
  });
});
