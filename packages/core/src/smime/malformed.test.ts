import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OID } from "../algorithms.js";
import { children, readRoot } from "../asn1/ber-reader.js";
import * as der from "../asn1/der-writer.js";
import { nestedOctetStrings } from "../asn1/test-support/bombs.js";
import { CoreError, type CoreErrorCode } from "../errors.js";
import { type OpenOptions, openMessage } from "./open.js";
import { protectMessage } from "./protect.js";
import { plainMessage } from "./test-support/messages.js";
import {
  cmsOf,
  detachedParts,
  flipByte,
  rewriteCms,
  wrapPkcs7,
  wrapSigned,
} from "./test-support/mime-craft.js";
import { must, type Party, SmimePki } from "./test-support/pki.js";

/**
 * Malformed input at the message level: each case gets a specific CoreError
 * code and message from openMessage, never a crash, a hang, a `valid` signer or a decrypted
 * layer. (The CLI's `{"ok":false,…}` + exit 1 for the same inputs is in apps/cli.)
 */
let pki: SmimePki;
let alice: Party;
let bob: Party;
let signedMessage: Buffer;
let opaqueMessage: Buffer;
let envelopedMessage: Buffer;
let gcmMessage: Buffer;
const raw = plainMessage("Hello Bob,\nthe code is 4711.\n");

beforeAll(async () => {
  pki = new SmimePki("malformed");
  alice = pki.party("Alice Example");
  bob = pki.party("Bob Example");
  signedMessage = Buffer.from(await protectMessage(raw, { sign: { identity: alice.identity } }));
  opaqueMessage = Buffer.from(
    await protectMessage(raw, { sign: { identity: alice.identity, opaque: true } }),
  );
  envelopedMessage = Buffer.from(await protectMessage(raw, { encrypt: { recipients: [bob.certificate] } }));
  gcmMessage = Buffer.from(
    await protectMessage(raw, { encrypt: { recipients: [bob.certificate], cipher: "AES-256-GCM" } }),
  );
}, 60_000);

afterAll(() => pki?.cleanup());

const options = (): OpenOptions => ({ identities: [bob.identity], trust: [pki.caCertificate] });

/** openMessage must reject with exactly this code, and a message matching `text`. */
async function refused(message: Uint8Array, code: CoreErrorCode, text: RegExp, extra: OpenOptions = {}) {
  const started = Date.now();
  const error = await openMessage(message, { ...options(), ...extra }).then(
    (result) => new Error(`opened: ${JSON.stringify(result.layers)}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CoreError);
  expect((error as CoreError).code, (error as Error).message).toBe(code);
  expect((error as Error).message).toMatch(text);
  expect(Date.now() - started).toBeLessThan(5000);
}

const DIGEST_SHA256 = "2.16.840.1.101.3.4.2.1";
const HEADERS = ["From: Alice Example <alice@example.test>", "To: bob@example.test"];
const PKCS7 = (smimeType: string) =>
  `Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name=smime.p7m`;

describe("bad transfer encoding", () => {
  it("a byte outside the base64 alphabet in an application/pkcs7-mime body", async () => {
    const text = envelopedMessage.toString("latin1");
    const at = text.indexOf("\r\n\r\n") + 30;
    const broken = Buffer.from(`${text.slice(0, at)}!${text.slice(at + 1)}`, "latin1");
    await refused(broken, "malformed", /bad base64: unexpected byte 0x21/);
  });

  it("a byte outside the base64 alphabet in the signature part", async () => {
    const { base64Start } = detachedParts(signedMessage);
    const broken = Buffer.from(signedMessage);
    broken[base64Start + 10] = 0x2a; // "*"
    await refused(broken, "malformed", /bad base64/);
  });

  it("base64 with data after the padding, or one dangling character", async () => {
    const text = envelopedMessage.toString("latin1").trimEnd();
    await refused(Buffer.from(`${text}==AAAA\r\n`, "latin1"), "malformed", /bad base64/);
    await refused(Buffer.from(`${text}A\r\n`, "latin1"), "malformed", /bad base64/);
  });

  it("an unknown Content-Transfer-Encoding on the CMS part", async () => {
    const broken = Buffer.from(
      envelopedMessage
        .toString("latin1")
        .replace("Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: x-uuencode"),
      "latin1",
    );
    await refused(broken, "malformed", /unknown Content-Transfer-Encoding "x-uuencode"/);
  });

  it("an empty application/pkcs7-mime body", async () => {
    const empty = wrapPkcs7({
      headers: HEADERS,
      contentType: PKCS7("enveloped-data"),
      der: new Uint8Array(0),
    });
    await refused(empty, "malformed", /not a CMS ContentInfo/);
  });
});

describe("bad DER", () => {
  it("garbage instead of CMS", async () => {
    for (const der of [randomBytes(600), Buffer.from("not DER at all, just text")]) {
      await refused(
        wrapPkcs7({ headers: HEADERS, contentType: PKCS7("enveloped-data"), der }),
        "malformed",
        /not a CMS ContentInfo/,
      );
    }
  });

  it("truncated DER (the base64 cut in half, still valid base64)", async () => {
    for (const message of [envelopedMessage, opaqueMessage, signedMessage]) {
      const cut = rewriteCms(message, (der) => der.subarray(0, Math.floor(der.length / 2)));
      await refused(cut, "malformed", /ASN\.1|not a CMS ContentInfo/);
    }
  });

  it("wrong lengths: the outer SEQUENCE one byte too long or too short", async () => {
    for (const delta of [1, -1]) {
      const broken = rewriteCms(envelopedMessage, (der) => {
        const copy = Buffer.from(der);
        expect(copy[1]).toBe(0x82); // two length octets follow
        copy.writeUInt16BE(copy.readUInt16BE(2) + delta, 2);
        return copy;
      });
      await refused(broken, "malformed", /ASN\.1: .*(past|beyond|exceeds|trailing|longer|end)/i);
    }
  });

  it("trailing bytes after the ContentInfo", async () => {
    const broken = rewriteCms(opaqueMessage, (der) => Buffer.concat([der, Buffer.from([0, 0, 0])]));
    await refused(broken, "malformed", /trailing bytes/);
  });

  it("a certificate where CMS belongs (pkcs7-mime body, and the detached signature part)", async () => {
    const cert = Buffer.from(alice.certificate.der);
    await refused(
      wrapPkcs7({ headers: HEADERS, contentType: PKCS7("signed-data"), der: cert }),
      "malformed",
      /not a CMS ContentInfo \(no contentType\)/,
    );
    const { signed } = detachedParts(signedMessage);
    await refused(
      wrapSigned({ headers: HEADERS, signed, signatureDer: cert }),
      "malformed",
      /not a CMS ContentInfo/,
    );
  });

  it("a ContentInfo of a type S/MIME does not carry (id-data) is unsupported, and a label that names another is a lie", async () => {
    const data = Buffer.from("3011 0609 2a864886f70d010701 a004 0402 6869".replace(/ /g, ""), "hex");
    await refused(
      wrapPkcs7({ headers: HEADERS, contentType: "Content-Type: application/pkcs7-mime", der: data }),
      "unsupported-algorithm",
      /1\.2\.840\.113549\.1\.7\.1/,
    );
    await refused(
      wrapPkcs7({ headers: HEADERS, contentType: PKCS7("enveloped-data"), der: data }),
      "malformed",
      /smime-type says "enveloped-data" but the CMS content is 1\.2\.840\.113549\.1\.7\.1/,
    );
  });

  it("an unknown content-encryption algorithm OID → unsupported-algorithm", async () => {
    const broken = rewriteCms(envelopedMessage, (der) => {
      const aes256 = Buffer.from("060960864801650304012a", "hex"); // aes256-CBC
      const at = der.indexOf(aes256);
      expect(at).toBeGreaterThan(0);
      const copy = Buffer.from(der);
      copy[at + aes256.length - 1] = 0x7f; // 2.16.840.1.101.3.4.1.127: no such cipher
      return copy;
    });
    await refused(broken, "unsupported-algorithm", /2\.16\.840\.1\.101\.3\.4\.1\.127/);
  });
});

describe("broken structure", () => {
  it("multipart/signed without its signature part", async () => {
    const { signed } = detachedParts(signedMessage);
    const boundary = "only-one";
    const message = Buffer.concat([
      Buffer.from(
        `${HEADERS.join("\r\n")}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="${boundary}"\r\n\r\n--${boundary}\r\n`,
      ),
      signed,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    await refused(message, "malformed", /multipart\/signed must have exactly 2 parts, found 1/);
  });

  it("multipart/signed with its parts swapped", async () => {
    const { signed, signatureDer } = detachedParts(signedMessage);
    const sigPart = Buffer.from(
      `Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n${signatureDer.toString("base64")}`,
    );
    const message = wrapSigned({ headers: HEADERS, signed: sigPart, signatureDer: Buffer.alloc(0) });
    // part 2 is our (empty) signature wrapper; make it the text instead
    const swapped = Buffer.from(
      message
        .toString("latin1")
        .replace(
          /Content-Type: application\/pkcs7-signature; name="smime.p7s"[\s\S]*?\r\n\r\n/,
          signed.toString("latin1"),
        ),
      "latin1",
    );
    await refused(swapped, "malformed", /second part is text\/plain, not application\/pkcs7-signature/);
  });

  it("multipart/signed cut off before its close delimiter (a truncated message)", async () => {
    const text = signedMessage.toString("latin1");
    const truncated = Buffer.from(text.slice(0, text.lastIndexOf("--", text.length - 4) - 2), "latin1");
    await refused(truncated, "malformed", /missing close delimiter/);
  });

  it("multipart/signed whose signature part holds an opaque (encapsulating) SignedData", async () => {
    const { signed } = detachedParts(signedMessage);
    const message = wrapSigned({ headers: HEADERS, signed, signatureDer: cmsOf(opaqueMessage) });
    await refused(message, "malformed", /signature part encapsulates its own content/);
  });

  it("multipart/signed whose signature part holds EnvelopedData", async () => {
    const { signed } = detachedParts(signedMessage);
    const message = wrapSigned({ headers: HEADERS, signed, signatureDer: cmsOf(envelopedMessage) });
    await refused(
      message,
      "malformed",
      /the signature part holds 1\.2\.840\.113549\.1\.7\.3, not SignedData/,
    );
  });

  it("opaque signed-data that is really a detached signature (no eContent)", async () => {
    const message = wrapPkcs7({
      headers: HEADERS,
      contentType: PKCS7("signed-data"),
      der: cmsOf(signedMessage),
    });
    await refused(message, "malformed", /opaque signed-data without encapsulated content/);
  });

  it("an smime-type that lies: EnvelopedData labelled signed-data, SignedData labelled enveloped-data, CBC labelled authEnveloped", async () => {
    const relabel = (message: Buffer, from: string, to: string) =>
      Buffer.from(message.toString("latin1").replace(`smime-type=${from}`, `smime-type=${to}`), "latin1");
    await refused(
      relabel(envelopedMessage, "enveloped-data", "signed-data"),
      "malformed",
      /smime-type says "signed-data" but the CMS content is envelopedData/,
    );
    await refused(
      relabel(opaqueMessage, "signed-data", "enveloped-data"),
      "malformed",
      /smime-type says "enveloped-data" but the CMS content is signedData/,
    );
    await refused(
      relabel(envelopedMessage, "enveloped-data", "authEnveloped-data"),
      "malformed",
      /authEnveloped-data/,
    );
  });
});

describe("decryption failures", () => {
  /** The AuthEnvelopedData mac: the last element of the SEQUENCE (RFC 5083 §2.1; we write no unauthAttrs). */
  function macRange(der: Buffer): { start: number; end: number } {
    const root = readRoot(der);
    const [, wrapped] = children(der, root);
    const [aed] = children(der, wrapped as NonNullable<typeof wrapped>);
    const fields = children(der, aed as NonNullable<typeof aed>);
    const mac = fields[fields.length - 1] as NonNullable<(typeof fields)[number]>;
    expect(mac.contentEnd - mac.contentStart).toBe(16);
    return { start: mac.contentStart, end: mac.contentEnd };
  }

  it("a GCM tag that fails (one bit of the mac flipped) → decryption-failed", async () => {
    const broken = rewriteCms(gcmMessage, (der) => flipByte(der, macRange(der).end - 1));
    await refused(broken, "decryption-failed", /.+/);
  });

  it("GCM ciphertext changed (the byte before the mac) → decryption-failed, the same error", async () => {
    const broken = rewriteCms(gcmMessage, (der) => flipByte(der, macRange(der).start - 3));
    await refused(broken, "decryption-failed", /.+/);
  });

  it("CBC ciphertext with a broken last block → decryption-failed", async () => {
    // The last byte of the block before the last is XORed into the last plaintext byte, the pad
    // length: 1..16 becomes 0xEF..0xFE, a pad that never verifies. (Changing the last block itself
    // gives random plaintext, whose pad verifies about once in 256 messages.)
    const broken = rewriteCms(envelopedMessage, (der) => flipByte(der, der.length - 17, 0xff));
    await refused(broken, "decryption-failed", /.+/);
  });

  it("CBC noise whose pad happens to verify is the same failure (1200 corrupted RSA keys, none decrypted)", async () => {
    // A changed encryptedKey is implicitly rejected into a pseudo-random CEK; CBC with that key
    // passes the pad check about once in 256. Before the plausibility check, ~4.7 of these
    // 1200 variants came back `decrypted` with noise as content.
    const der = cmsOf(envelopedMessage);
    const at = der.indexOf(Buffer.from("04820100", "hex")) + 4; // the 2048-bit encryptedKey
    expect(at).toBeGreaterThan(4);
    const codes = new Set<string>();
    for (let i = 0; i < 1200; i++) {
      const corrupted = rewriteCms(envelopedMessage, (d) =>
        flipByte(d, at + 8 + (i % 240), 1 + Math.floor(i / 240)),
      );
      const error = await openMessage(corrupted, options()).then(
        () => null,
        (e: CoreError) => e,
      );
      expect(error, `variant ${i} decrypted`).toBeInstanceOf(CoreError);
      codes.add(`${error?.code}: ${error?.message}`);
    }
    expect([...codes]).toEqual(["decryption-failed: the message could not be decrypted"]);
  });

  it("CBC content that is neither a MIME entity nor text → decryption-failed; header-less text still opens", async () => {
    const { encryptEnveloped } = await import("../cms/enveloped/encrypt-enveloped.js");
    const noise = Buffer.concat([randomBytes(100), Buffer.from([0])]);
    const der = await encryptEnveloped(noise, { recipients: [bob.certificate] });
    await refused(
      wrapPkcs7({ headers: HEADERS, contentType: PKCS7("enveloped-data"), der }),
      "decryption-failed",
      /^the message could not be decrypted$/,
    );
    const text = Buffer.from("Hello Bob, no MIME headers here — just UTF-8 text.\r\n");
    const textDer = await encryptEnveloped(text, { recipients: [bob.certificate] });
    const opened = await openMessage(
      wrapPkcs7({ headers: HEADERS, contentType: PKCS7("enveloped-data"), der: textDer }),
      options(),
    );
    expect(Buffer.from(opened.content).equals(text)).toBe(true);
    // GCM is authenticated: any octets it decrypts are what was encrypted
    const gcmDer = await encryptEnveloped(noise, { recipients: [bob.certificate], cipher: "AES-128-GCM" });
    const gcm = await openMessage(
      wrapPkcs7({ headers: HEADERS, contentType: PKCS7("authEnveloped-data"), der: gcmDer }),
      options(),
    );
    expect(Buffer.from(gcm.content).equals(noise)).toBe(true);
  });

  it("a key that is not a recipient's → not-a-recipient; no key at all → not-a-recipient", async () => {
    await refused(envelopedMessage, "not-a-recipient", /.+/, { identities: [alice.identity] });
    await refused(envelopedMessage, "not-a-recipient", /no private key was offered/, { identities: [] });
  });
});

describe("resource limits", () => {
  it("~120 KB of nested definite-length OCTET STRINGs as eContent → limit-exceeded, not a stack overflow", async () => {
    // A well-formed SignedData around the bomb, with one SignerInfo, so open reaches the content.
    const signerInfo = der.sequence(
      der.integer(1),
      der.sequence(der.sequence(), der.integer(1)),
      der.algorithmIdentifier(DIGEST_SHA256),
      der.algorithmIdentifier(OID.rsaEncryption, der.nullValue()),
      der.octetString(new Uint8Array(256)),
    );
    const signedData = der.sequence(
      der.integer(1),
      der.setOf([der.algorithmIdentifier(DIGEST_SHA256)]),
      der.sequence(der.oid(OID.data), der.explicit(0, nestedOctetStrings(30_000))),
      der.setOf([signerInfo]),
    );
    const cms = der.sequence(der.oid(OID.signedData), der.explicit(0, signedData));
    expect(cms.length).toBeGreaterThan(100_000);
    const message = wrapPkcs7({ headers: HEADERS, contentType: PKCS7("signed-data"), der: cms });
    await refused(message, "limit-exceeded", /ASN\.1: nesting deeper than 64/);
  });

  it("a nesting bomb: 20 opaque signatures deep → limit-exceeded, quickly", async () => {
    let message: Uint8Array = raw;
    for (let i = 0; i < 20; i++)
      message = await protectMessage(message, { sign: { identity: alice.identity, opaque: true } });
    await refused(message, "limit-exceeded", /more than 8 S\/MIME layers/);
    await refused(message, "limit-exceeded", /more than 3 S\/MIME layers/, { limits: { maxLayers: 3 } });
  });

  it("a nesting bomb: 20 encryptions deep → limit-exceeded", async () => {
    let message: Uint8Array = raw;
    for (let i = 0; i < 20; i++)
      message = await protectMessage(message, {
        encrypt: { recipients: [bob.certificate], cipher: "AES-128-GCM" },
      });
    await refused(message, "limit-exceeded", /more than 8 S\/MIME layers/);
    // 8 layers are allowed: the same bomb cut to 8 opens
    let eight: Uint8Array = raw;
    for (let i = 0; i < 8; i++)
      eight = await protectMessage(eight, { encrypt: { recipients: [bob.certificate] } });
    const opened = await openMessage(eight, options());
    expect(opened.layers).toHaveLength(8);
  });

  it("a huge header block (300 KB of fields) → limit-exceeded", async () => {
    const junk = Array.from({ length: 6000 }, (_, i) => `X-Junk-${i}: ${"x".repeat(40)}`).join("\r\n");
    await refused(
      Buffer.concat([Buffer.from(`${junk}\r\n`), envelopedMessage]),
      "limit-exceeded",
      /MIME: .*header/,
    );
  });

  it("one 1 MB header line without a line break → limit-exceeded", async () => {
    const line = Buffer.from(`Subject: ${"y".repeat(1024 * 1024)}`);
    await refused(line, "limit-exceeded", /MIME: header block larger than/);
  });

  it("a message over maxMessageBytes → limit-exceeded, before any parsing", async () => {
    await refused(envelopedMessage, "limit-exceeded", /the limit is 1000/, {
      limits: { maxMessageBytes: 1000 },
    });
  });

  it("ASN.1 nesting deeper than the BER limit → limit-exceeded", async () => {
    // [0] { [0] { … } } 100 levels deep inside a ContentInfo-shaped SEQUENCE
    let inner = Buffer.from([0x05, 0x00]);
    for (let i = 0; i < 100; i++)
      inner = Buffer.concat([Buffer.from([0xa0, 0x80]), inner, Buffer.from([0, 0])]);
    const der = Buffer.concat([Buffer.from([0x30, 0x80]), inner, Buffer.from([0, 0])]);
    await refused(
      wrapPkcs7({ headers: HEADERS, contentType: PKCS7("signed-data"), der }),
      "limit-exceeded",
      /deep|depth|nest/i,
    );
  });
});

describe("contrast: a broken signature is a verdict, not an error", () => {
  it("a changed body gives bad-signature, and openMessage resolves", async () => {
    const text = signedMessage.toString("latin1").replace("4711", "4712");
    const opened = await openMessage(Buffer.from(text, "latin1"), options());
    expect(opened.layers[0]).toMatchObject({ type: "signed", signers: [{ status: "bad-signature" }] });
  });

  it("a certs-only bundle in an smime.p7c opens to no layers (not an error, not a signature)", async () => {
    const der = must("openssl", ["crl2pkcs7", "-nocrl", "-certfile", alice.certPath, "-outform", "DER"]);
    const opened = await openMessage(
      wrapPkcs7({ headers: HEADERS, contentType: PKCS7("certs-only"), der }),
      options(),
    );
    expect(opened.layers).toEqual([]);
  });
});
