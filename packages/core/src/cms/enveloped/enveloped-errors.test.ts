import { constants, publicEncrypt, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { OID } from "../../algorithms.js";
import { children, readRoot, readTlv } from "../../asn1/ber-reader.js";
import {
  algorithmIdentifier,
  explicit,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
} from "../../asn1/der-writer.js";
import { CoreError, isCoreError } from "../../errors.js";
import { decryptEnveloped } from "./decrypt-enveloped.js";
import { decryptEnvelopedStream } from "./decrypt-enveloped-stream.js";
import { encryptEnveloped } from "./encrypt-enveloped.js";
import { encryptEnvelopedStream } from "./encrypt-enveloped-stream.js";
import { definitePrefix, definiteSuffix, type EnvelopeLayout } from "./envelope-writer.js";
import { inspectEnveloped } from "./inspect-enveloped.js";
import { chunked, collect, contentRange } from "./test-support/fixtures.js";
import { type Party, TestPki } from "./test-support/test-pki.js";

const FAILED = "the message could not be decrypted";
let pki: TestPki;
let alice: Party;
let bob: Party;
let erin: Party;
let aliceRenewed: Party;

beforeAll(() => {
  pki = new TestPki();
  alice = pki.party("Alice", { key: "rsa2048" });
  bob = pki.party("Bob", { key: "rsa2048" });
  erin = pki.party("Erin", { key: "P-256" });
  aliceRenewed = pki.party("Alice", { key: "rsa2048", reuseKeyOf: alice });
}, 60_000);

async function failure(promise: Promise<unknown>): Promise<CoreError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CoreError) return error;
    throw error;
  }
  throw new Error("expected a CoreError");
}

/** Offsets of the first KeyTransRecipientInfo's encryptedKey content in a DER message. */
function firstEncryptedKey(der: Uint8Array): { start: number; end: number } {
  const ed = readTlv(der, readTlv(der, readTlv(der, readRoot(der).contentStart).end).contentStart);
  const fields = children(der, ed);
  const set = fields.find((f) => f.tag === 0x31);
  const ktri = set && children(der, set)[0];
  const key = ktri && children(der, ktri).at(-1);
  if (!key) throw new Error("no KTRI");
  return { start: key.contentStart, end: key.contentEnd };
}

function ktriFor(party: Party, algorithm: Uint8Array, encryptedKey: Uint8Array): Uint8Array {
  const rid = sequence(party.certificate.issuerName.der, integer(party.certificate.serial));
  return sequence(integer(0), rid, algorithm, octetString(encryptedKey));
}

function craft(layout: Partial<EnvelopeLayout> & { ciphertext?: Uint8Array; mac?: Uint8Array }): Buffer {
  const full: EnvelopeLayout = {
    kind: "enveloped",
    version: 0,
    recipientInfos: [ktriFor(alice, algorithmIdentifier(OID.rsaEncryption, nullValue()), randomBytes(256))],
    contentType: OID.data,
    contentAlgorithm: algorithmIdentifier("2.16.840.1.101.3.4.1.42", octetString(randomBytes(16))),
    ...layout,
  };
  const ct = layout.ciphertext ?? randomBytes(32);
  return Buffer.concat([
    definitePrefix(full, ct.length),
    ct,
    definiteSuffix(full, layout.mac ?? randomBytes(16)),
  ]);
}

describe("one uniform failure (padding-oracle hygiene, SMIME-NOTES §4)", () => {
  it("a wrong key, bad PKCS#1 padding, a bad CBC pad and a bad GCM tag end in the same error", async () => {
    const content = randomBytes(64); // a whole number of blocks: the pad block is 16 × 0x10
    const errors: CoreError[] = [];
    // wrong key (GCM, so the substitute CEK fails deterministically at the tag)
    const gcm = await encryptEnveloped(content, { recipients: [alice.certificate], cipher: "AES-256-GCM" });
    errors.push(
      await failure(
        decryptEnveloped(gcm, { identities: [{ ...alice.identity, privateKey: bob.identity.privateKey }] }),
      ),
    );
    // bad PKCS#1 v1.5 padding: a raw-RSA block with type 01 instead of 02
    const cbc = Buffer.from(await encryptEnveloped(content, { recipients: [alice.certificate] }));
    const key = firstEncryptedKey(cbc);
    const em = Buffer.concat([
      Buffer.from([0, 1]),
      Buffer.alloc(256 - 35, 0xff),
      Buffer.from([0]),
      randomBytes(32),
    ]);
    const badPad = Buffer.from(cbc);
    badPad.set(
      publicEncrypt({ key: alice.certificate.publicKey, padding: constants.RSA_NO_PADDING }, em),
      key.start,
    );
    errors.push(await failure(decryptEnveloped(badPad, { identities: [alice.identity] })));
    // bad CBC pad: flip a bit of the last byte of the second-to-last block
    const { end } = contentRange(cbc);
    const badCbc = Buffer.from(cbc);
    badCbc[end - 17] = (badCbc[end - 17] as number) ^ 0x01;
    errors.push(await failure(decryptEnveloped(badCbc, { identities: [alice.identity] })));
    // bad GCM tag
    const badTag = Buffer.from(gcm);
    badTag[badTag.length - 1] = (badTag[badTag.length - 1] as number) ^ 0x80;
    errors.push(await failure(decryptEnveloped(badTag, { identities: [alice.identity] })));
    // a wrong-length CEK inside good PKCS#1 padding
    const shortKey = Buffer.from(cbc);
    shortKey.set(
      publicEncrypt(
        { key: alice.certificate.publicKey, padding: constants.RSA_PKCS1_PADDING },
        randomBytes(16),
      ),
      key.start,
    );
    const shortResult = await decryptEnveloped(shortKey, { identities: [alice.identity] }).catch(
      (e: unknown) => e,
    );
    // (CBC without integrity: a substitute key passes the pad check about 1 time in 256, yielding garbage)
    if (shortResult instanceof CoreError) errors.push(shortResult);
    else expect(Buffer.from((shortResult as { content: Uint8Array }).content).equals(content)).toBe(false);
    for (const e of errors)
      expect({ code: e.code, message: e.message }).toEqual({ code: "decryption-failed", message: FAILED });
  });

  it("implicit rejection is deterministic: the same bad ciphertext fails the same way twice", async () => {
    const gcm = Buffer.from(
      await encryptEnveloped(randomBytes(10), { recipients: [alice.certificate], cipher: "AES-128-GCM" }),
    );
    const key = firstEncryptedKey(gcm);
    gcm[key.start + 5] = (gcm[key.start + 5] as number) ^ 1;
    for (let i = 0; i < 2; i++)
      expect((await failure(decryptEnveloped(gcm, { identities: [alice.identity] }))).message).toBe(FAILED);
  });
});

describe("recipient matching", () => {
  it("not-a-recipient lists who the message is for", async () => {
    const der = await encryptEnveloped(randomBytes(10), { recipients: [bob.certificate, erin.certificate] });
    const error = await failure(decryptEnveloped(der, { identities: [alice.identity] }));
    expect(error.code).toBe("not-a-recipient");
    expect(error.message).toContain(`serial ${bob.certificate.serialHex}`);
    expect(error.message).toContain(`serial ${erin.certificate.serialHex}`);
    expect((await failure(decryptEnveloped(der, { identities: [] }))).code).toBe("not-a-recipient");
  });

  it("matches by key: a renewed certificate for the same key opens SKI-addressed mail", async () => {
    const der = await encryptEnveloped(Buffer.from("hi"), {
      recipients: [alice.certificate],
      recipientIdentifier: "subjectKeyIdentifier",
    });
    const result = await decryptEnveloped(der, { identities: [aliceRenewed.identity] });
    expect(Buffer.from(result.content).toString()).toBe("hi");
  });

  it("issuer+serial names one certificate: the old certificate (same key) can be passed as an earlier identity", async () => {
    const der = await encryptEnveloped(Buffer.from("old"), { recipients: [alice.certificate] });
    expect((await failure(decryptEnveloped(der, { identities: [aliceRenewed.identity] }))).code).toBe(
      "not-a-recipient",
    );
    const result = await decryptEnveloped(der, { identities: [aliceRenewed.identity, alice.identity] });
    expect(Buffer.from(result.content).toString()).toBe("old");
  });

  it("tries ONE key: the first identity that matches, never a loop with early exit", async () => {
    const der = await encryptEnveloped(Buffer.from("x"), {
      recipients: [alice.certificate],
      cipher: "AES-256-GCM",
    });
    const impostor = { ...alice.identity, privateKey: bob.identity.privateKey };
    const error = await failure(decryptEnveloped(der, { identities: [impostor, alice.identity] }));
    expect(error.code).toBe("decryption-failed");
  });

  it("the sender's own copy: any listed recipient opens it", async () => {
    const der = await encryptEnveloped(Buffer.from("both"), {
      recipients: [bob.certificate, alice.certificate, alice.certificate],
    });
    expect((await inspectEnveloped(der)).recipients).toBe(2); // duplicates written once
    for (const p of [alice, bob])
      expect(
        Buffer.from((await decryptEnveloped(der, { identities: [p.identity] })).content).toString(),
      ).toBe("both");
  });
});

describe("writing rules", () => {
  it("checks keyUsage and names the recipient", async () => {
    const signOnly = pki.party("Sam", { key: "rsa2048", keyUsage: "digitalSignature" });
    const ecSignOnly = pki.party("Tess", { key: "P-256", keyUsage: "digitalSignature" });
    for (const p of [signOnly, ecSignOnly]) {
      const error = await failure(
        encryptEnveloped(Buffer.from("x"), { recipients: [alice.certificate, p.certificate] }),
      );
      expect(error.code).toBe("invalid-argument");
      expect(error.message).toContain(p.email);
    }
  });

  it("never writes RC2, rejects unknown ciphers and empty recipient lists", async () => {
    for (const cipher of ["RC2(40bit)", "RC2(128bit)", "ChaCha20"]) {
      const error = await failure(
        encryptEnveloped(Buffer.from("x"), { recipients: [alice.certificate], cipher: cipher as never }),
      );
      expect(error.code).toBe("invalid-argument");
    }
    expect((await failure(encryptEnveloped(Buffer.from("x"), { recipients: [] }))).code).toBe(
      "invalid-argument",
    );
  });

  it("versions per RFC 5652 §6.1 and RFC 5083 §2.1; default AES-256-CBC", async () => {
    const version = (der: Uint8Array) => {
      const ed = readTlv(der, readTlv(der, readTlv(der, readRoot(der).contentStart).end).contentStart);
      return der[readTlv(der, ed.contentStart).contentStart];
    };
    const plain = await encryptEnveloped(Buffer.from("v"), { recipients: [alice.certificate] });
    expect(version(plain)).toBe(0);
    expect((await inspectEnveloped(plain)).cipher).toBe("AES-256-CBC");
    expect(
      version(
        await encryptEnveloped(Buffer.from("v"), {
          recipients: [alice.certificate],
          recipientIdentifier: "subjectKeyIdentifier",
        }),
      ),
    ).toBe(2);
    expect(
      version(
        await encryptEnveloped(Buffer.from("v"), { recipients: [alice.certificate, erin.certificate] }),
      ),
    ).toBe(2);
    expect(
      version(
        await encryptEnveloped(Buffer.from("v"), { recipients: [erin.certificate], cipher: "AES-128-GCM" }),
      ),
    ).toBe(0);
  });

  it("uses a fresh CEK and IV per message", async () => {
    const a = await encryptEnveloped(Buffer.alloc(32), { recipients: [alice.certificate] });
    const b = await encryptEnveloped(Buffer.alloc(32), { recipients: [alice.certificate] });
    const ra = contentRange(a);
    const rb = contentRange(b);
    expect(Buffer.from(a.subarray(ra.start, ra.end)).equals(Buffer.from(b.subarray(rb.start, rb.end)))).toBe(
      false,
    );
  });

  it("GCM with a non-data inner type carries the contentType authAttr (RFC 5083 §2.1) and round-trips", async () => {
    const der = await encryptEnveloped(Buffer.from("signed"), {
      recipients: [alice.certificate],
      cipher: "AES-128-GCM",
      contentType: OID.signedData,
    });
    const result = await decryptEnveloped(der, { identities: [alice.identity] });
    expect(result.contentType).toBe(OID.signedData);
    expect(Buffer.from(result.content).toString()).toBe("signed");
  });

  it("the stream writer refuses content that disagrees with contentLength", async () => {
    const stream = encryptEnvelopedStream(chunked(randomBytes(100), [30]), {
      recipients: [alice.certificate],
      contentLength: 99,
    });
    expect((await failure(collect(stream))).code).toBe("invalid-argument");
  });
});

describe("malformed, unsupported and limits", () => {
  const decrypt = (der: Uint8Array, limits = {}) =>
    failure(decryptEnveloped(der, { identities: [alice.identity], limits }));

  it("a certificate where CMS belongs", async () => {
    const error = await decrypt(alice.certificate.der);
    expect(error.code).toBe("malformed");
    expect(error.message).toMatch(/X\.509 certificate/);
  });

  it("PEM text, empty input, another content type", async () => {
    expect((await decrypt(Buffer.from("-----BEGIN PKCS7-----\n"))).message).toMatch(/text/);
    expect((await decrypt(new Uint8Array(0))).code).toBe("malformed");
    const signed = sequence(oid(OID.signedData), explicit(0, sequence()));
    const error = await decrypt(signed);
    expect(error.code).toBe("malformed");
    expect(error.message).toContain("signedData");
  });

  it("wrong IV and nonce lengths, bad icvLen, a mac of the wrong size", async () => {
    const shortIv = craft({
      contentAlgorithm: algorithmIdentifier("2.16.840.1.101.3.4.1.2", octetString(randomBytes(8))),
    });
    expect((await decrypt(shortIv)).message).toMatch(/IV is 8 bytes, expected 16/);
    const gcm = (params: Uint8Array, mac = randomBytes(16)) =>
      craft({
        kind: "authEnveloped",
        contentAlgorithm: algorithmIdentifier("2.16.840.1.101.3.4.1.6", params),
        mac,
        macLength: mac.length,
      });
    expect((await decrypt(gcm(sequence(octetString(randomBytes(12)), integer(11))))).message).toMatch(
      /ICVlen 11/,
    );
    expect((await decrypt(gcm(sequence(octetString(randomBytes(4)))))).message).toMatch(/nonce of 4 bytes/);
    const wrongMac = await decrypt(gcm(sequence(octetString(randomBytes(12)), integer(16)), randomBytes(12)));
    expect(wrongMac.code).toBe("malformed");
    expect(wrongMac.message).toMatch(/mac is 12 bytes/);
  });

  it("unknown algorithms are unsupported-algorithm, named", async () => {
    const unknown = craft({
      contentAlgorithm: algorithmIdentifier("1.2.3.4.5", octetString(randomBytes(16))),
    });
    expect(await decrypt(unknown)).toMatchObject({
      code: "unsupported-algorithm",
      message: expect.stringContaining("1.2.3.4.5"),
    });
    const gcmInEnveloped = craft({
      contentAlgorithm: algorithmIdentifier(
        "2.16.840.1.101.3.4.1.46",
        sequence(octetString(randomBytes(12))),
      ),
    });
    expect((await decrypt(gcmInEnveloped)).code).toBe("unsupported-algorithm");
    const sha256 = algorithmIdentifier("2.16.840.1.101.3.4.2.1", nullValue());
    const sha1 = algorithmIdentifier("1.3.14.3.2.26", nullValue());
    const mixedOaep = algorithmIdentifier(
      OID.rsaesOaep,
      sequence(explicit(0, sha256), explicit(1, algorithmIdentifier(OID.mgf1, sha1))),
    );
    const oaep = craft({ recipientInfos: [ktriFor(alice, mixedOaep, randomBytes(256))] });
    expect(await decrypt(oaep)).toMatchObject({
      code: "unsupported-algorithm",
      message: expect.stringMatching(/MGF1/),
    });
    const weird = craft({
      recipientInfos: [ktriFor(alice, algorithmIdentifier("1.2.840.113549.1.1.10"), randomBytes(256))],
    });
    expect(await decrypt(weird)).toMatchObject({
      code: "unsupported-algorithm",
      message: expect.stringContaining("rsassaPss"),
    });
  });

  it("limits: content size, recipients, header size, piece nesting", async () => {
    const big = await encryptEnveloped(randomBytes(5000), {
      recipients: [alice.certificate, bob.certificate],
    });
    expect((await decrypt(big, { maxContentBytes: 1000 })).code).toBe("limit-exceeded");
    expect((await decrypt(big, { maxRecipients: 1 })).code).toBe("limit-exceeded");
    expect((await decrypt(big, { maxHeaderBytes: 300 })).code).toBe("limit-exceeded");
    // 40 nested constructed OCTET STRINGs around the content, all indefinite
    const ber = await collect(
      encryptEnvelopedStream(chunked(randomBytes(50), [50]), { recipients: [alice.certificate] }),
    );
    const marker = ber.indexOf(Buffer.from([0xa0, 0x80, 0x04]));
    const nested = Buffer.concat([
      ber.subarray(0, marker + 2),
      Buffer.from("2480".repeat(40), "hex"),
      ber.subarray(marker + 2, ber.length - 10),
      Buffer.alloc(80),
      ber.subarray(ber.length - 10),
    ]);
    expect((await decrypt(nested)).code).toBe("limit-exceeded");
    const fine = await decryptEnveloped(nested, { identities: [alice.identity], limits: { maxDepth: 64 } });
    expect(fine.content.length).toBe(50);
  });
});

describe("streaming decryption", () => {
  it("CBC plaintext flows before the source is exhausted", async () => {
    const content = randomBytes(1024 * 1024);
    const der = await encryptEnveloped(content, { recipients: [alice.certificate] });
    let pulled = 0;
    async function* source() {
      for await (const chunk of chunked(der, [64 * 1024])) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    const opened = await decryptEnvelopedStream(source(), { identities: [alice.identity] });
    expect(opened.info.cipher).toBe("AES-256-CBC");
    let firstAt = -1;
    const parts: Uint8Array[] = [];
    for await (const part of opened.content) {
      if (firstAt < 0) firstAt = pulled;
      parts.push(part);
    }
    expect(firstAt).toBeLessThan(der.length / 2);
    expect(Buffer.concat(parts).equals(content)).toBe(true);
  });

  it("not-a-recipient and unsupported come before any content", async () => {
    const der = await encryptEnveloped(randomBytes(10), { recipients: [bob.certificate] });
    const error = await failure(decryptEnvelopedStream(chunked(der, [7]), { identities: [alice.identity] }));
    expect(error.code).toBe("not-a-recipient");
    expect(isCoreError(error)).toBe(true);
  });
});
