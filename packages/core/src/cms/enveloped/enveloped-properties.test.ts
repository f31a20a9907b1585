import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type CipherName, WRITABLE_CIPHERS } from "../../algorithms.js";
import { isCoreError } from "../../errors.js";
import { decryptEnveloped } from "./decrypt-enveloped.js";
import { decryptEnvelopedStream } from "./decrypt-enveloped-stream.js";
import { encryptEnveloped } from "./encrypt-enveloped.js";
import { encryptEnvelopedStream } from "./encrypt-enveloped-stream.js";
import { chunked, collect, contentRange } from "./test-support/fixtures.js";
import { type Party, TestPki } from "./test-support/test-pki.js";

/** fast-check properties: round trips over content, ciphers, recipient sets and shapes; tampering; garbage. */
let parties: Party[];

beforeAll(() => {
  const pki = new TestPki();
  parties = [
    pki.party("Alice", { key: "rsa2048" }),
    pki.party("Erin", { key: "P-256" }),
    pki.party("Frank", { key: "P-384" }),
  ];
}, 60_000);

const FAILED = "the message could not be decrypted";

describe("encrypt → decrypt round trips", () => {
  it("any content, cipher, recipient set, identifier, writer shape and reader chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 1000, maxLength: 5000 })),
        fc.constantFrom(...WRITABLE_CIPHERS),
        fc.subarray([0, 1, 2], { minLength: 1 }),
        fc.nat(2),
        fc.constantFrom("issuerAndSerialNumber", "subjectKeyIdentifier") as fc.Arbitrary<
          "issuerAndSerialNumber" | "subjectKeyIdentifier"
        >,
        fc.constantFrom<false | { hash: "SHA-1" | "SHA-256" }>(false, { hash: "SHA-256" }, { hash: "SHA-1" }),
        fc.constantFrom("buffer", "stream-der", "stream-ber"),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 4 }),
        async (content, cipher, who, pick, recipientIdentifier, oaep, shape, sizes) => {
          const recipients = who.map((i) => (parties[i] as Party).certificate);
          const reader = parties[who[pick % who.length] as number] as Party;
          const options = { recipients, cipher: cipher as CipherName, recipientIdentifier, oaep };
          let der: Uint8Array;
          if (shape === "buffer") der = await encryptEnveloped(content, options);
          else
            der = await collect(
              encryptEnvelopedStream(chunked(content, sizes), {
                ...options,
                pieceSize: sizes[0] as number,
                contentLength: shape === "stream-der" ? content.length : undefined,
              }),
            );
          const viaBuffer = await decryptEnveloped(der, { identities: [reader.identity] });
          expect(Buffer.from(viaBuffer.content).equals(Buffer.from(content))).toBe(true);
          expect(viaBuffer.info.cipher).toBe(cipher);
          const viaStream = await decryptEnvelopedStream(chunked(der, sizes), {
            identities: [reader.identity],
          });
          expect((await collect(viaStream.content)).equals(Buffer.from(content))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("AES-GCM integrity (RFC 5083)", () => {
  it("flipping any bit of the ciphertext or the tag never yields content, in either API", async () => {
    const content = randomBytes(300);
    const alice = parties[0] as Party;
    const der = await encryptEnveloped(content, { recipients: [alice.certificate], cipher: "AES-256-GCM" });
    const { start } = contentRange(der);
    const protectedBits = (der.length - start) * 8; // ciphertext, then the mac OCTET STRING (header + tag)
    await fc.assert(
      fc.asyncProperty(fc.nat(protectedBits - 1), async (bit) => {
        const offset = start + (bit >> 3);
        // skip the mac's own 2-byte header: changing it is a structural error, tested elsewhere
        if (offset === der.length - 18 || offset === der.length - 17) return;
        const bad = Buffer.from(der);
        bad[offset] = (bad[offset] as number) ^ (1 << (bit & 7));
        await expect(decryptEnveloped(bad, { identities: [alice.identity] })).rejects.toMatchObject({
          code: "decryption-failed",
          message: FAILED,
        });
        const streamed = await decryptEnvelopedStream(chunked(bad, [64]), { identities: [alice.identity] });
        const received: Uint8Array[] = [];
        let error: unknown;
        try {
          for await (const part of streamed.content) received.push(part);
        } catch (e) {
          error = e;
        }
        expect(received).toEqual([]);
        expect(isCoreError(error, "decryption-failed")).toBe(true);
      }),
      { numRuns: 80 },
    );
  });
});

describe("hostile input never crashes", () => {
  let valid: Buffer;
  beforeAll(async () => {
    valid = Buffer.from(
      await encryptEnveloped(randomBytes(200), {
        recipients: [(parties[0] as Party).certificate, (parties[1] as Party).certificate],
        cipher: "AES-128-GCM",
      }),
    );
  });

  const attempt = async (bytes: Uint8Array, who = 0) => {
    try {
      await decryptEnveloped(bytes, { identities: [(parties[who] as Party).identity] });
      return "ok";
    } catch (error) {
      if (!isCoreError(error)) throw error;
      return error.code;
    }
  };

  it("random garbage: only CoreErrors", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        expect(await attempt(bytes)).not.toBe("ok");
      }),
      { numRuns: 300 },
    );
  });

  it("every truncation of a valid message is an error, never content", async () => {
    for (let length = 0; length < valid.length; length += 1) {
      const code = await attempt(valid.subarray(0, length), length % 2);
      expect(code === "malformed" || code === "decryption-failed").toBe(true);
    }
  });

  it("random byte mutations: only CoreErrors or the real content", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.nat(1),
        async (edits, who) => {
          const bad = Buffer.from(valid);
          for (const [offset, xor] of edits) bad[offset] = (bad[offset] as number) ^ xor;
          await attempt(bad, who);
        },
      ),
      { numRuns: 300 },
    );
  });
});
