import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMessage } from "./open.js";
import { openMessageStream } from "./open-stream.js";
import { toCrlf, wrapPkcs7, wrapSigned } from "./test-support/mime-craft.js";
import { must, type Party, SmimePki } from "./test-support/pki.js";
import type { SignedLayer } from "./types.js";

/**
 * Verdicts a reader relies on, each from a message the real `openssl cms` signed: whose address
 * a signature vouches for (RFC 8550 §3), which bytes it covers (RFC 8551 §3.1.1). Both open
 * paths (buffer and stream) give the same.
 */
let pki: SmimePki;
let alice: Party;

const entity = toCrlf(Buffer.from("Content-Type: text/plain; charset=us-ascii\n\nWire the money today.\n"));

beforeAll(() => {
  pki = new SmimePki("verdicts");
  alice = pki.party("Alice Example");
}, 60_000);
afterAll(() => pki?.cleanup());

function sign(content: Uint8Array, flags: string[] = []): Buffer {
  const input = pki.file("content", content);
  return must("openssl", [
    ...["cms", "-sign", "-binary", "-outform", "DER", "-in", input],
    ...["-signer", alice.certPath, "-inkey", alice.keyPath, ...flags],
  ]);
}

async function statuses(message: Buffer): Promise<{ status: string; reason: string }[]> {
  const both = await Promise.all([
    openMessage(message, { trust: [pki.caCertificate] }),
    openMessageStream([message], { trust: [pki.caCertificate], bufferBelow: 0 }),
  ]);
  const [buffered, streamed] = both.map((r) =>
    (r.layers[0] as SignedLayer).signers.map((s) => ({ status: s.status, reason: s.reason })),
  );
  expect(streamed).toEqual(buffered);
  return buffered as { status: string; reason: string }[];
}

describe("the signer must be the From address (RFC 8550 §3)", () => {
  const der = () => sign(entity);
  const message = (headers: string[]) => wrapSigned({ headers, signed: entity, signatureDer: der() });

  it("valid when From names the certificate's address", async () => {
    expect(await statuses(message(["From: Alice <alice@example.test>"]))).toMatchObject([
      { status: "valid" },
    ]);
  });

  it("a From holding no address (a display name that looks like one) is address-mismatch", async () => {
    for (const from of ['From: "ceo@corp.example"', "From: ceo at corp", "From: undisclosed-recipients:;"]) {
      const got = await statuses(message([from, "To: bob@example.test"]));
      expect(got, from).toMatchObject([{ status: "address-mismatch" }]);
      expect(got[0]?.reason).toContain("From field holds no mail address");
    }
  });

  it("a match only through Sender is address-mismatch", async () => {
    const got = await statuses(
      message(["From: CEO <ceo@corp.example>", "Sender: Alice <alice@example.test>", "To: bob@example.test"]),
    );
    expect(got).toMatchObject([{ status: "address-mismatch" }]);
    expect(got[0]?.reason).toContain("ceo@corp.example");
  });
});

describe("which bytes a detached signature covers (RFC 8551 §3.1.1)", () => {
  // An AS2-style binary part: bare LFs, a lone CR and NULs are data, signed exactly as they are.
  const binaryBody = Buffer.from([
    0x50, 0x4b, 0x03, 0x04, 0x0a, 0x00, 0x0d, 0x41, 0x0a, 0x0a, 0xff, 0x00, 0x0a,
  ]);
  const binaryPart = (headers: string) => Buffer.concat([Buffer.from(headers, "latin1"), binaryBody]);

  it("a binary application/octet-stream part with bare LF bytes verifies over its exact bytes", async () => {
    for (const headers of [
      "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n",
      "Content-Type: application/octet-stream; name=invoice.edi\r\n\r\n",
    ]) {
      const part = binaryPart(headers);
      const message = wrapSigned({
        headers: ["From: alice@example.test"],
        signed: part,
        signatureDer: sign(part),
      });
      expect(await statuses(message), headers).toMatchObject([{ status: "valid" }]);
      const opened = await openMessage(message, { trust: [pki.caCertificate] });
      expect(Buffer.from(opened.content).equals(part)).toBe(true);
      const chunks: Uint8Array[] = [];
      await openMessageStream([message], {
        trust: [pki.caCertificate],
        bufferBelow: 0,
        out: (c: Uint8Array) => void chunks.push(Buffer.from(c)),
      });
      expect(Buffer.concat(chunks).equals(part)).toBe(true);
    }
  });

  it("text is still canonicalised: an LF-only stored copy of a text part verifies", async () => {
    const lfPart = Buffer.from(entity.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
    const message = wrapSigned({
      headers: ["From: alice@example.test"],
      signed: lfPart,
      signatureDer: sign(entity),
    });
    expect(await statuses(message)).toMatchObject([{ status: "valid" }]);
  });

  it("canonicalising a binary part would change what was signed: the exact bytes are what counts", async () => {
    const part = binaryPart(
      "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n",
    );
    const canonical = Buffer.from(part.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
    const message = wrapSigned({
      headers: ["From: alice@example.test"],
      signed: part,
      signatureDer: sign(canonical),
    });
    expect(await statuses(message)).toMatchObject([{ status: "bad-signature" }]);
  });
});

describe("a signed part inside an unsigned multipart (a mailing list footer)", () => {
  const listed = (parts: Buffer[], headers = ["From: Alice <alice@example.test>"]) =>
    Buffer.concat([
      Buffer.from(
        [
          ...headers,
          "To: list@example.test",
          "MIME-Version: 1.0",
          'Content-Type: multipart/mixed; boundary="list"',
          "",
          "",
        ].join("\r\n"),
      ),
      ...parts.flatMap((p) => [Buffer.from("--list\r\n"), p, Buffer.from("\r\n")]),
      Buffer.from("--list--\r\n"),
    ]);
  const footer = Buffer.from(
    "Content-Type: text/plain\r\n\r\n-- \r\nlist@example.test: unsubscribe any time\r\n",
  );
  const signedPart = () => wrapSigned({ signed: entity, signatureDer: sign(entity) });

  it("is verified and reported as a layer scoped to that part, with its MIME path", async () => {
    const message = listed([signedPart(), footer]);
    const opened = await openMessage(message, { trust: [pki.caCertificate] });
    expect(opened.layers).toHaveLength(1);
    expect(opened.layers[0]).toMatchObject({
      type: "signed",
      form: "detached",
      scope: "part",
      path: "1",
      content: "Text",
      signers: [{ status: "valid", email: "alice@example.test" }],
    });
    expect(Buffer.from(opened.content).equals(message)).toBe(true); // the message itself is not signed
  });

  it("deeper parts get dotted paths; a changed signed part is bad-signature; attached messages are not walked", async () => {
    const inner = Buffer.concat([
      Buffer.from('Content-Type: multipart/mixed; boundary="inner"\r\n\r\n--inner\r\n'),
      footer,
      Buffer.from("\r\n--inner\r\n"),
      signedPart(),
      Buffer.from("\r\n--inner--\r\n"),
    ]);
    const opened = await openMessage(listed([footer, inner]), { trust: [pki.caCertificate] });
    expect(opened.layers).toMatchObject([{ scope: "part", path: "2.2", signers: [{ status: "valid" }] }]);

    const altered = Buffer.from(
      signedPart().toString("latin1").replace("Wire the money", "Wire the monkey"),
      "latin1",
    );
    const bad = await openMessage(listed([altered, footer]), { trust: [pki.caCertificate] });
    expect(bad.layers).toMatchObject([{ scope: "part", path: "1", signers: [{ status: "bad-signature" }] }]);

    const attached = Buffer.concat([Buffer.from("Content-Type: message/rfc822\r\n\r\n"), signedPart()]);
    expect((await openMessage(listed([footer, attached]), { trust: [pki.caCertificate] })).layers).toEqual(
      [],
    );
  });

  it("an opaque signed-data part is verified the same way; an encrypted part stays an attachment", async () => {
    const opaque = wrapPkcs7({
      contentType: "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m",
      der: sign(entity, ["-nodetach"]),
    });
    const opened = await openMessage(listed([opaque, footer]), { trust: [pki.caCertificate] });
    expect(opened.layers).toMatchObject([
      { form: "opaque", scope: "part", path: "1", content: "Text", signers: [{ status: "valid" }] },
    ]);
    const input = pki.file("enc-in", entity);
    const enveloped = must("openssl", [
      "cms",
      "-encrypt",
      "-binary",
      "-outform",
      "DER",
      "-in",
      input,
      alice.certPath,
    ]);
    const encrypted = wrapPkcs7({
      contentType: "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
      der: enveloped,
    });
    const withKey = await openMessage(listed([encrypted, footer]), {
      trust: [pki.caCertificate],
      identities: [alice.identity],
    });
    expect(withKey.layers).toEqual([]);
  });

  it("a whole-message signature keeps its shape: no scope, no path", async () => {
    const opened = await openMessage(
      wrapSigned({ headers: ["From: alice@example.test"], signed: entity, signatureDer: sign(entity) }),
      { trust: [pki.caCertificate] },
    );
    expect(opened.layers[0]).not.toHaveProperty("scope");
    expect(opened.layers[0]).not.toHaveProperty("path");
  });
});
