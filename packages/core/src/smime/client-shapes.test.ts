import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMessage } from "./open.js";
import { protectMessage } from "./protect.js";
import { plainMessage } from "./test-support/messages.js";
import { toCrlf, toLf, wrapPkcs7, wrapSigned } from "./test-support/mime-craft.js";
import { must, type Party, SmimePki } from "./test-support/pki.js";
import type { SignedLayer } from "./types.js";

/**
 * The shapes real clients and gateways produce (SMIME-NOTES §1.3, §1.4; RFC 8551 §3.10),
 * built by hand around CMS made by `openssl cms -binary -outform DER`: Outlook's x-pkcs7 names
 * and micalg=sha1, a relabelling gateway's application/octet-stream smime.p7m, a missing
 * smime-type, upper-case parameters, and LF-only stored copies whose signatures must still
 * verify once canonicalised.
 */
let pki: SmimePki;
let alice: Party;
let bob: Party;

const OUTER = [
  "From: Alice Example <alice@example.test>",
  "To: Bob Example <bob@example.test>",
  "Subject: Shapes",
];
/** The signed / encrypted entity, canonical (CRLF). */
const entity = toCrlf(
  Buffer.from(
    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nHello Bob,=20\nsee you at noon. =E2=98=95\n",
    "latin1",
  ),
);

beforeAll(() => {
  pki = new SmimePki("shapes");
  alice = pki.party("Alice Example");
  bob = pki.party("Bob Example");
}, 60_000);

afterAll(() => pki?.cleanup());

function sign(content: Uint8Array, flags: string[] = []): Buffer {
  const input = pki.file("content", content);
  return must("openssl", [
    ...["cms", "-sign", "-binary", "-outform", "DER", "-in", input],
    ...["-signer", alice.certPath, "-inkey", alice.keyPath, ...flags],
  ]);
}

function encrypt(content: Uint8Array, flags: string[] = ["-aes256"]): Buffer {
  const input = pki.file("content", content);
  return must("openssl", [
    ...["cms", "-encrypt", "-binary", "-outform", "DER", "-in", input, ...flags, bob.certPath],
  ]);
}

const valid = (layer: unknown) => expect((layer as SignedLayer).signers[0]?.status).toBe("valid");

describe("multipart/signed variants", () => {
  it("Outlook: application/x-pkcs7-signature with micalg=sha1 (a SHA-1 signature)", async () => {
    const der = sign(entity, ["-md", "sha1"]);
    const message = wrapSigned({
      headers: OUTER,
      signed: entity,
      signatureDer: der,
      signatureType: "application/x-pkcs7-signature",
      micalg: "sha1",
    });
    const opened = await openMessage(message, { trust: [pki.caCertificate] });
    expect(opened.layers[0]).toMatchObject({
      type: "signed",
      form: "detached",
      digest: "SHA-1",
      content: "Text",
    });
    expect((opened.layers[0] as SignedLayer).signers[0]).toMatchObject({ status: "valid", weakDigest: true });
    expect(Buffer.from(opened.content).equals(entity)).toBe(true);
  });

  it("micalg is only a hint: a wrong one, a legacy rsa-sha1 and none at all still verify by the SignerInfo", async () => {
    const der = sign(entity);
    for (const micalg of ["sha-1", "rsa-sha1", "SHA-512", "x-unknown", null]) {
      const message = wrapSigned({ headers: OUTER, signed: entity, signatureDer: der, micalg });
      const opened = await openMessage(message, { trust: [pki.caCertificate] });
      expect(opened.layers[0]).toMatchObject({ digest: "SHA-256" });
      valid(opened.layers[0]);
    }
  });

  it("upper-case media type and parameter names (PROTOCOL=, MICALG=, BOUNDARY=)", async () => {
    const message = wrapSigned({
      headers: OUTER,
      signed: entity,
      signatureDer: sign(entity),
      upperCase: true,
    });
    expect(message.toString("latin1")).toContain('MULTIPART/SIGNED; PROTOCOL="application/pkcs7-signature"');
    valid((await openMessage(message, { trust: [pki.caCertificate] })).layers[0]);
  });

  it("LF-only stored copy: the signature still verifies after canonicalisation; --out is CRLF", async () => {
    const message = toLf(wrapSigned({ headers: OUTER, signed: entity, signatureDer: sign(entity) }));
    expect(message.includes("\r")).toBe(false);
    const opened = await openMessage(message, { trust: [pki.caCertificate] });
    valid(opened.layers[0]);
    expect(Buffer.from(opened.content).equals(entity)).toBe(true);
  });

  it("LF-only copy of our own multipart/signed (8-bit text was made quoted-printable before signing)", async () => {
    const raw = plainMessage("Grüße,\nFrom the office.\n");
    const signed = await protectMessage(raw, { sign: { identity: alice.identity } });
    const opened = await openMessage(toLf(signed), { trust: [pki.caCertificate] });
    valid(opened.layers[0]);
    expect(Buffer.from(opened.content).toString("latin1")).toContain("=46rom the office.");
  });

  it("a CRLF message whose signed part's trailing blank lines belong to it (only the last CRLF is the delimiter's)", async () => {
    const withBlankLines = Buffer.concat([entity, Buffer.from("\r\n\r\n")]);
    const message = wrapSigned({
      headers: OUTER,
      signed: withBlankLines,
      signatureDer: sign(withBlankLines),
    });
    const opened = await openMessage(message, { trust: [pki.caCertificate] });
    valid(opened.layers[0]);
    expect(Buffer.from(opened.content).equals(withBlankLines)).toBe(true);
  });
});

describe("application/pkcs7-mime variants", () => {
  const cases: Array<[string, string, "encrypted" | "signed"]> = [
    [
      "Outlook application/x-pkcs7-mime",
      'Content-Type: application/x-pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
      "encrypted",
    ],
    [
      "x-pkcs7-mime, opaque signed",
      "Content-Type: application/x-pkcs7-mime; smime-type=signed-data; name=smime.p7m",
      "signed",
    ],
    [
      "gateway: application/octet-stream; name=smime.p7m (enveloped)",
      'Content-Type: application/octet-stream; name="smime.p7m"',
      "encrypted",
    ],
    [
      "gateway: application/octet-stream; name=smime.p7m holding signed-data (sniffed)",
      "Content-Type: application/octet-stream; name=smime.p7m",
      "signed",
    ],
    ["smime-type missing (enveloped)", 'Content-Type: application/pkcs7-mime; name="smime.p7m"', "encrypted"],
    ["smime-type missing (signed)", "Content-Type: application/pkcs7-mime", "signed"],
    [
      "upper case: APPLICATION/PKCS7-MIME; SMIME-TYPE=Enveloped-Data",
      "Content-Type: APPLICATION/PKCS7-MIME; SMIME-TYPE=Enveloped-Data; NAME=SMIME.P7M",
      "encrypted",
    ],
    [
      "MimeKit's lower-cased authenveloped-data label",
      "Content-Type: application/pkcs7-mime; smime-type=authenveloped-data",
      "encrypted",
    ],
  ];

  it.each(cases)("%s", async (_name, contentType, kind) => {
    const gcm = contentType.includes("authenveloped");
    const der =
      kind === "encrypted"
        ? encrypt(entity, gcm ? ["-aes-256-gcm"] : ["-aes256"])
        : sign(entity, ["-nodetach"]);
    for (const eol of ["\r\n", "\n"] as const) {
      const message = wrapPkcs7({ headers: OUTER, contentType, der, eol });
      const opened = await openMessage(message, { identities: [bob.identity], trust: [pki.caCertificate] });
      expect(opened.layers).toHaveLength(1);
      expect(opened.layers[0]?.type).toBe(kind);
      if (kind === "signed") valid(opened.layers[0]);
      else expect(opened.layers[0]).toMatchObject({ cipher: gcm ? "AES-256-GCM" : "AES-256-CBC" });
      expect(Buffer.from(opened.content).equals(entity)).toBe(true);
    }
  });

  it("gateway: application/octet-stream with only Content-Disposition filename=smime.p7m", async () => {
    const message = wrapPkcs7({
      headers: OUTER,
      contentType: "Content-Type: application/octet-stream",
      disposition: 'Content-Disposition: attachment; filename="smime.p7m"',
      der: encrypt(entity),
    });
    const opened = await openMessage(message, { identities: [bob.identity] });
    expect(opened.layers[0]?.type).toBe("encrypted");
  });

  it("Thunderbird sign-then-encrypt: the encrypted entity is a bare multipart/signed (no From inside)", async () => {
    const signedEntity = wrapSigned({ signed: entity, signatureDer: sign(entity) });
    const bare = signedEntity.subarray(signedEntity.indexOf("Content-Type:"));
    const message = wrapPkcs7({
      headers: OUTER,
      contentType: 'Content-Type: application/pkcs7-mime; name="smime.p7m"; smime-type=enveloped-data',
      der: encrypt(bare),
    });
    const opened = await openMessage(message, { identities: [bob.identity], trust: [pki.caCertificate] });
    expect(opened.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    // the address check uses the outermost From: alice's certificate matches it
    expect((opened.layers[1] as SignedLayer).signers[0]).toMatchObject({
      status: "valid",
      email: alice.email,
    });
    const spoofed = Buffer.from(
      message.toString("latin1").replace("alice@example.test", "mallory@example.test"),
      "latin1",
    );
    const reopened = await openMessage(spoofed, { identities: [bob.identity], trust: [pki.caCertificate] });
    expect((reopened.layers[1] as SignedLayer).signers[0]?.status).toBe("address-mismatch");
  });

  it("Outlook sign-then-encrypt: opaque signed-data inside enveloped-data, both x-pkcs7-mime", async () => {
    const opaque = wrapPkcs7({
      contentType: "Content-Type: application/x-pkcs7-mime; smime-type=signed-data; name=smime.p7m",
      der: sign(entity, ["-nodetach"]),
    });
    const bare = opaque.subarray(opaque.indexOf("Content-Type:"));
    const message = wrapPkcs7({
      headers: OUTER,
      contentType: "Content-Type: application/x-pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
      der: encrypt(bare, ["-des3"]),
    });
    const opened = await openMessage(message, { identities: [bob.identity], trust: [pki.caCertificate] });
    expect(opened.layers).toMatchObject([
      { type: "encrypted", cipher: "3DES-CBC" },
      { type: "signed", form: "opaque", content: "Text", signers: [{ status: "valid" }] },
    ]);
    expect(Buffer.from(opened.content).equals(entity)).toBe(true);
  });

  it("certs-only (a certificate bundle, smime.p7c) is not a signature layer", async () => {
    const der = must("openssl", ["crl2pkcs7", "-nocrl", "-certfile", alice.certPath, "-outform", "DER"]);
    const message = wrapPkcs7({
      headers: OUTER,
      contentType: "Content-Type: application/pkcs7-mime; smime-type=certs-only; name=smime.p7c",
      der,
    });
    const opened = await openMessage(message, { trust: [pki.caCertificate] });
    expect(opened.layers).toEqual([]);
  });
});
