import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OID } from "../algorithms.js";
import { CoreError } from "../errors.js";
import { parseEntity } from "../mime/parse-entity.js";
import { classifyMessage } from "./classify-message.js";
import { openMessage } from "./open.js";
import {
  base64Lines,
  headerAndBody,
  isMultipartSigned,
  pkcs7Der,
  wrapPkcs7,
} from "./test-support/mime-craft.js";
import { expectAgreement, type OpensslCmsView, opensslCmsView } from "./test-support/openssl-cms-print.js";
import { openssl } from "./test-support/peers.js";
import { type Party, run, SmimePki } from "./test-support/pki.js";

/**
 * classifyMessage against `openssl cms -cmsout -print` on messages openssl itself made: the
 * ContentInfo type and the contentEncryptionAlgorithm must be what openssl reads, whatever
 * the smime-type label says, from the whole message and from a prefix of it.
 */
let pki: SmimePki;
let bob: Party;
let carol: Party;

beforeAll(() => {
  pki = new SmimePki("classify");
  bob = pki.party("Bob");
  carol = pki.party("Carol", { key: "p256" });
});
afterAll(() => pki.cleanup());

const ENTITY = Buffer.from("Content-Type: text/plain\r\n\r\nthe quarterly figures\r\n");
const headers = "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: figures\r\n";
const withHeaders = (message: Uint8Array) => Buffer.concat([Buffer.from(headers), message]);

/** Header block plus the first `body` bytes after it, as the streaming delivery passes them. */
function prefixOf(message: Uint8Array, body: number): Uint8Array {
  const { bodyStart } = headerAndBody(message);
  return message.subarray(0, bodyStart + body);
}

const legacy = run("openssl", ["list", "-cipher-algorithms", "-provider", "legacy"]).ok;

describe("classifyMessage agrees with openssl cms -cmsout -print", () => {
  const ciphers: Array<[flag: string, name: string, extra?: string[]]> = [
    ["-aes-128-cbc", "AES-128-CBC"],
    ["-aes-192-cbc", "AES-192-CBC"],
    ["-aes-256-cbc", "AES-256-CBC"],
    ["-aes-128-gcm", "AES-128-GCM"],
    ["-aes-256-gcm", "AES-256-GCM"],
    ["-des3", "3DES-CBC"],
  ];
  for (const [flag, name] of ciphers) {
    for (const stream of [false, true]) {
      it(`${name}${stream ? ", BER with indefinite lengths (-stream)" : ""}`, () => {
        const message = withHeaders(
          openssl.encrypt(
            pki,
            ENTITY,
            [{ party: bob }, { party: carol }],
            [flag, ...(stream ? ["-stream"] : [])],
          ),
        );
        const view = opensslCmsView(message);
        expect(view?.cipherName).toBe(name);
        const c = classifyMessage(message);
        expectAgreement(c, view as OpensslCmsView, false);
        expect(classifyMessage(prefixOf(message, 4096), { complete: false })).toEqual(c);
      });
    }
  }

  it.skipIf(!legacy)("RC2 with 40 effective bits (its RC2CBCParameter version decides the name)", () => {
    const message = withHeaders(
      openssl.encrypt(
        pki,
        ENTITY,
        [{ party: bob }],
        ["-rc2-40", "-provider", "legacy", "-provider", "default"],
      ),
    );
    const view = opensslCmsView(message) as OpensslCmsView;
    expect(view.cipherName).toBe("RC2(40bit)");
    expectAgreement(classifyMessage(message), view, false);
  });

  it("signed opaque, signed detached and certs-only", () => {
    const opaque = withHeaders(openssl.sign(pki, ENTITY, bob, ["-nodetach"]));
    const detached = withHeaders(openssl.sign(pki, ENTITY, bob));
    const certsOnly = wrapPkcs7({
      contentType: 'Content-Type: application/pkcs7-mime; smime-type=certs-only; name="smime.p7c"',
      der: run("openssl", ["crl2pkcs7", "-nocrl", "-certfile", bob.certPath, "-outform", "DER"]).stdout,
    });
    for (const message of [opaque, detached, certsOnly]) {
      const view = opensslCmsView(message) as OpensslCmsView;
      expect(view.contentType).toBe(OID.signedData);
      expectAgreement(classifyMessage(message), view, isMultipartSigned(message));
    }
    expect(classifyMessage(opaque)).toMatchObject({ kind: "signed", form: "opaque", basis: "cms" });
    expect(classifyMessage(detached)).toMatchObject({ kind: "signed", form: "detached", basis: "headers" });
    expect(classifyMessage(certsOnly).kind).toBe("plain");
  });
});

describe("classifyMessage follows open's rules, not the label", () => {
  it("a label that lies loses to the content, and open still refuses the message", async () => {
    const message = withHeaders(openssl.encrypt(pki, ENTITY, [{ party: bob }], ["-aes-128-cbc"]));
    const lying = Buffer.from(
      Buffer.from(message).toString("latin1").replace("smime-type=enveloped-data", "smime-type=signed-data"),
      "latin1",
    );
    expect(lying.equals(message)).toBe(false);
    const c = classifyMessage(lying);
    expect(c).toMatchObject({ kind: "encrypted", cipher: "AES-128-CBC", basis: "cms" });
    expect(c.note).toMatch(/smime-type says "signed-data"/);
    await expect(openMessage(lying, { identities: [bob.identity] })).rejects.toThrow(CoreError);
  });

  it("application/octet-stream named .p7m is S/MIME, read by its content (x-pkcs7-mime too)", () => {
    const der = pkcs7Der(openssl.sign(pki, ENTITY, bob, ["-nodetach"]));
    const octet = wrapPkcs7({ contentType: 'Content-Type: application/octet-stream; name="smime.p7m"', der });
    expect(classifyMessage(octet)).toMatchObject({ kind: "signed", form: "opaque", basis: "cms" });
    const enveloped = pkcs7Der(openssl.encrypt(pki, ENTITY, [{ party: bob }], ["-aes-256-gcm"]));
    const old = wrapPkcs7({
      contentType: 'Content-Type: application/x-pkcs7-mime; name="smime.p7m"',
      der: enveloped,
    });
    expect(classifyMessage(old)).toMatchObject({ kind: "auth-encrypted", cipher: "AES-256-GCM" });
    const unnamed = wrapPkcs7({
      contentType: "Content-Type: application/octet-stream",
      der,
      disposition: null,
    });
    expect(classifyMessage(unnamed).kind).toBe("plain");
  });

  it("multipart/signed with another protocol is not signed", () => {
    const detached = Buffer.from(openssl.sign(pki, ENTITY, bob)).toString("latin1");
    const pgp = detached.replace(
      /protocol="application\/(x-)?pkcs7-signature"/,
      'protocol="application/pgp-signature"',
    );
    expect(pgp).not.toBe(detached);
    expect(classifyMessage(Buffer.from(pgp, "latin1"))).toMatchObject({ kind: "plain", basis: "headers" });
  });

  it("reads the caller's parse of the header block instead of parsing the bytes again", () => {
    const detached = Buffer.from(openssl.sign(pki, ENTITY, bob));
    const plain = Buffer.from("From: a@example.test\r\n\r\nhello\r\n");
    // The entity given decides: it is the parse the caller already made.
    expect(classifyMessage(plain, { entity: parseEntity(detached) })).toMatchObject({
      kind: "signed",
      form: "detached",
    });
    expect(classifyMessage(plain)).toMatchObject({ kind: "plain" });
  });

  it("an unreadable body falls back to the label, with no cipher and the reason", () => {
    const garbage = (type: string) =>
      Buffer.from(
        `Content-Type: application/pkcs7-mime${type}\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n`,
      );
    expect(classifyMessage(garbage("; smime-type=enveloped-data"))).toMatchObject({
      kind: "encrypted",
      cipher: null,
      basis: "headers",
    });
    expect(classifyMessage(garbage("; smime-type=signed-data"))).toMatchObject({
      kind: "signed",
      form: "opaque",
    });
    expect(classifyMessage(garbage("")).note).toMatch(/ContentInfo/);
  });
});

describe("classifyMessage from a prefix", () => {
  it("reads the cipher past a large recipientInfos when the prefix reaches it, and says so when not", () => {
    const many = Array.from({ length: 12 }, () => ({ party: bob }));
    const message = withHeaders(openssl.encrypt(pki, ENTITY, [...many, { party: carol }], ["-aes-192-cbc"]));
    const der = pkcs7Der(message);
    expect(der.length).toBeGreaterThan(3000);
    expect(classifyMessage(prefixOf(message, 64 * 1024), { complete: false })).toMatchObject({
      kind: "encrypted",
      cipher: "AES-192-CBC",
    });
    const short = classifyMessage(prefixOf(message, 600), { complete: false });
    expect(short).toMatchObject({
      kind: "encrypted",
      cipher: null,
      basis: "cms",
      contentType: OID.envelopedData,
    });
    expect(short.note).toMatch(/the bytes given end inside EncryptedContentInfo/);
    const headerOnly = classifyMessage(prefixOf(message, 0), { complete: false });
    expect(headerOnly).toMatchObject({ kind: "encrypted", cipher: null, basis: "headers" });
  });

  it("a large message is classified from its first 64 KiB", () => {
    const big = Buffer.concat([ENTITY, Buffer.from(`${"x".repeat(999)}\r\n`.repeat(3000))]);
    const message = withHeaders(openssl.encrypt(pki, big, [{ party: bob }], ["-aes-128-gcm", "-stream"]));
    expect(message.length).toBeGreaterThan(3_000_000);
    expect(classifyMessage(message)).toMatchObject({ kind: "auth-encrypted", cipher: "AES-128-GCM" });
    expect(classifyMessage(prefixOf(message, 64 * 1024), { complete: false })).toMatchObject({
      kind: "auth-encrypted",
      cipher: "AES-128-GCM",
    });
  });

  it("an unknown content-encryption algorithm is reported by its OID", () => {
    const message = withHeaders(openssl.encrypt(pki, ENTITY, [{ party: bob }], ["-aes-128-cbc"]));
    const der = pkcs7Der(message);
    // aes-128-cbc 2.16.840.1.101.3.4.1.2 → 2.16.840.1.101.3.4.1.3 (aes-128-ofb: not in core's registry)
    const oid = Buffer.from("0609608648016503040102", "hex");
    const at = der.indexOf(oid);
    expect(at).toBeGreaterThan(0);
    const changed = Buffer.from(der);
    changed[at + oid.length - 1] = 0x03;
    const relabelled = Buffer.concat([
      Buffer.from(message.subarray(0, headerAndBody(message).bodyStart)),
      Buffer.from(base64Lines(changed), "latin1"),
    ]);
    expect(classifyMessage(relabelled)).toMatchObject({
      kind: "encrypted",
      cipher: null,
      cipherOid: "2.16.840.1.101.3.4.1.3",
    });
  });
});

describe("classifyMessage on every prefix (property)", () => {
  it("any cut gives the whole message's kind, and its cipher or none; mutated bodies never throw", () => {
    const messages = [
      withHeaders(
        openssl.encrypt(pki, ENTITY, [{ party: bob }, { party: carol }], ["-aes-256-gcm", "-stream"]),
      ),
      withHeaders(openssl.encrypt(pki, ENTITY, [{ party: bob }], ["-des3"])),
      withHeaders(openssl.sign(pki, ENTITY, bob, ["-nodetach"])),
    ];
    const whole = messages.map((m) => classifyMessage(m));
    fc.assert(
      fc.property(fc.nat(messages.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), (i, at) => {
        const message = messages[i] as Buffer;
        const full = whole[i] as ReturnType<typeof classifyMessage>;
        const cut = classifyMessage(message.subarray(0, Math.floor(at * message.length)), {
          complete: false,
        });
        if (cut.basis === "headers" && Math.floor(at * message.length) < headerAndBody(message).bodyStart)
          return;
        expect(cut.kind).toBe(full.kind);
        expect([full.cipher, null]).toContain(cut.cipher);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.nat(messages.length - 1),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (i, where, mask) => {
          const message = Buffer.from(messages[i] as Buffer);
          const { bodyStart } = headerAndBody(message);
          const at = bodyStart + (where % (message.length - bodyStart));
          message[at] = (message[at] as number) ^ mask;
          expect(() => classifyMessage(message)).not.toThrow();
          expect(() => classifyMessage(message.subarray(0, at + 1), { complete: false })).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });
});
