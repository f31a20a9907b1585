import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLASSIFY_BODY_BYTES, classifyMessage } from "./classify-message.js";
import { isMultipartSigned, wrapPkcs7, wrapSigned } from "./test-support/mime-craft.js";
import { expectAgreement, opensslCmsView } from "./test-support/openssl-cms-print.js";
import { Gpgsm, Nss, openssl } from "./test-support/peers.js";
import { type Party, SmimePki } from "./test-support/pki.js";

/**
 * classifyMessage on messages made here by the real peers — gpgsm, NSS cmsutil and OpenSSL
 * (the one of them that writes AuthEnvelopedData), each cipher and signing form they write — against openssl's `cms -cmsout -print` of the same bytes, from
 * the whole message and from the prefix streaming delivery classifies (header block plus
 * CLASSIFY_BODY_BYTES). The committed peer corpora (classify-peer-corpora.test.ts) need data
 * kept outside the repository; these run wherever the peers are installed, which the test
 * command ensures.
 */
let pki: SmimePki;
let alice: Party;
let bob: Party;
let gpg: Gpgsm;
let nss: Nss;
const headers = ["From: Alice Example <alice@example.test>", "To: bob@example.test", "Subject: peer-made"];

beforeAll(() => {
  pki = new SmimePki("classify-peers");
  alice = pki.party("Alice Example");
  bob = pki.party("Bob Example");
  gpg = new Gpgsm(pki, [alice, bob]);
  nss = new Nss(pki, [alice, bob]);
}, 120_000);

afterAll(() => {
  gpg?.close();
  pki?.cleanup();
});

const entity = (body: Buffer) =>
  Buffer.concat([
    Buffer.from("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"),
    Buffer.from(body.toString("base64").replace(/.{76}/g, "$&\r\n")),
  ]);

function prefix(message: Uint8Array): Uint8Array {
  const blank = Buffer.from(message).indexOf("\r\n\r\n") + 4;
  return message.subarray(0, blank + CLASSIFY_BODY_BYTES);
}

function check(message: Buffer, expected: Record<string, unknown>) {
  const view = opensslCmsView(message);
  expect(view, "openssl reads the message").not.toBeNull();
  if (!view) return;
  const whole = classifyMessage(message);
  expectAgreement(whole, view, isMultipartSigned(message));
  expect(whole).toMatchObject(expected);
  // The classification streaming delivery makes from the first bytes says the same.
  const fromPrefix = classifyMessage(prefix(message), { complete: message.length <= prefix(message).length });
  expect(fromPrefix.kind).toBe(whole.kind);
  if (whole.kind === "encrypted" || whole.kind === "auth-encrypted")
    expect(fromPrefix.cipher).toBe(whole.cipher);
}

// Small and over one classification window: the large ones are read from a prefix.
const sizes = [2_000, 3 * CLASSIFY_BODY_BYTES];

describe("gpgsm-made messages are classified as openssl reads them", () => {
  it.each([
    [undefined, "AES-128-CBC"],
    ["AES192", "AES-192-CBC"],
    ["AES256", "AES-256-CBC"],
    ["3DES", "3DES-CBC"],
  ] as const)("--encrypt --cipher-algo %s", (algo, cipher) => {
    for (const size of sizes) {
      const der = gpg.encrypt(entity(randomBytes(size)), [alice, bob], algo);
      const message = wrapPkcs7({
        headers,
        contentType: 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        der,
      });
      check(message, { kind: "encrypted", cipher });
    }
  });

  it("--sign (opaque) and --detach-sign (multipart/signed)", () => {
    for (const size of sizes) {
      const content = entity(randomBytes(size));
      const opaque = gpg.sign(content, alice, { detached: false });
      check(
        wrapPkcs7({
          headers,
          contentType: 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"',
          der: opaque,
        }),
        { kind: "signed", form: "opaque" },
      );
      const detached = gpg.sign(content, alice, { detached: true });
      check(wrapSigned({ headers, signed: content, signatureDer: detached }), {
        kind: "signed",
        form: "detached",
      });
    }
  });
});

describe("NSS cmsutil-made messages are classified as openssl reads them", () => {
  it("-E (NSS picks the cipher; openssl names it)", () => {
    for (const size of sizes) {
      const der = nss.encrypt(entity(randomBytes(size)), [alice, bob]);
      const message = wrapPkcs7({
        headers,
        contentType: "Content-Type: application/x-pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
        der,
      });
      const view = opensslCmsView(message);
      expect(view?.cipherName).toMatch(/^AES-(128|192|256)-CBC$|^3DES-CBC$/);
      check(message, { kind: "encrypted", cipher: view?.cipherName ?? "?" });
    }
  });

  it("-S opaque and -S -T detached, SHA-256 and SHA-1", () => {
    for (const hash of ["SHA256", "SHA1"]) {
      const content = entity(randomBytes(2_000));
      check(
        wrapPkcs7({
          headers,
          contentType: "Content-Type: application/pkcs7-mime; smime-type=signed-data",
          der: nss.sign(content, alice, { detached: false, hash }),
        }),
        { kind: "signed", form: "opaque" },
      );
      check(
        wrapSigned({
          headers,
          signed: content,
          signatureDer: nss.sign(content, alice, { detached: true, hash }),
          micalg: hash === "SHA1" ? "sha-1" : "sha-256",
        }),
        { kind: "signed", form: "detached" },
      );
    }
  });
});

describe("OpenSSL-made messages are classified as openssl reads them", () => {
  /** openssl's S/MIME output (CRLF lines) behind the message's own header fields. */
  const asMessage = (smime: Buffer) => Buffer.concat([Buffer.from(`${headers.join("\r\n")}\r\n`), smime]);

  it.each([
    ["-aes-128-gcm", "auth-encrypted", "AES-128-GCM"],
    ["-aes-256-gcm", "auth-encrypted", "AES-256-GCM"],
    ["-aes-256-cbc", "encrypted", "AES-256-CBC"],
  ] as const)("cms -encrypt %s, DER and streamed BER", (flag, kind, cipher) => {
    for (const size of sizes)
      for (const stream of [[], ["-stream"]]) {
        const smime = openssl.encrypt(
          pki,
          entity(randomBytes(size)),
          [{ party: bob }],
          [flag, "-crlfeol", ...stream],
        );
        check(asMessage(smime), { kind, cipher });
      }
  });

  it("cms -sign -nodetach (opaque) and detached (multipart/signed)", () => {
    const content = entity(randomBytes(2_000));
    check(asMessage(openssl.sign(pki, content, alice, ["-nodetach", "-crlfeol"])), {
      kind: "signed",
      form: "opaque",
    });
    check(asMessage(openssl.sign(pki, content, alice, ["-crlfeol"])), { kind: "signed", form: "detached" });
  });
});
