import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64Decode } from "./base64.js";
import { buildMultipartSigned, buildPkcs7Mime } from "./build.js";
import { toCanonicalCrlf } from "./canonicalize.js";
import { splitSigned } from "./multipart.js";
import { entityContentType, getHeader, parseEntity } from "./parse-entity.js";

const b = (s: string): Buffer => Buffer.from(s, "utf8");
const text = (u: Uint8Array): string => Buffer.from(u).toString("latin1");
const entity = b(
  "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhi=\r\n\r\n",
);
const der = Uint8Array.from({ length: 100 }, (_, i) => i);

describe("buildMultipartSigned (RFC 1847 §2.1, RFC 8551 §3.5.3)", () => {
  it("writes the exact layout with the signature part headers", () => {
    const out = buildMultipartSigned({
      signedEntity: entity,
      signatureDer: der,
      micalg: "SHA-256",
      boundary: "----=_test",
      outerHeaders: [{ name: "From", value: "a@example.com" }, { raw: b("Subject: folded\r\n line") }],
    });
    expect(text(out.bytes)).toBe(
      [
        "From: a@example.com",
        "Subject: folded",
        " line",
        "MIME-Version: 1.0",
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature";',
        ' micalg=sha-256; boundary="----=_test"',
        "",
        "This is an S/MIME signed message",
        "------=_test",
        `${text(entity)}`,
        "------=_test",
        "Content-Type: application/pkcs7-signature; name=smime.p7s",
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment; filename=smime.p7s",
        "",
        Buffer.from(der)
          .toString("base64")
          .replace(/(.{76})/g, "$1\r\n"),
        "------=_test--",
        "",
      ].join("\r\n"),
    );
    expect(Buffer.from(out.signedBytes).equals(entity)).toBe(true);
    expect(text(out.bytes.subarray(out.signedStart, out.signedEnd))).toBe(text(entity));
  });

  it("normalises micalg and quotes a list of several", () => {
    const ct = (micalg: string | string[]) =>
      entityContentType(
        parseEntity(buildMultipartSigned({ signedEntity: entity, signatureDer: der, micalg }).bytes),
      );
    expect(ct("sha256").params.micalg).toBe("sha-256");
    expect(ct(["SHA-256", "sha-512", "sha-256"]).params.micalg).toBe("sha-256,sha-512");
    expect(ct("sha-384, SHA-1").params.micalg).toBe("sha-384,sha-1");
  });

  it("picks a random boundary that does not occur in the content", () => {
    const a = buildMultipartSigned({ signedEntity: entity, signatureDer: der, micalg: "sha-256" });
    const c = buildMultipartSigned({ signedEntity: entity, signatureDer: der, micalg: "sha-256" });
    expect(a.boundary).toMatch(/^----=_sealbox_[0-9a-f]{32}$/);
    expect(a.boundary).not.toBe(c.boundary);
  });

  it("rejects misuse: non-canonical entity, colliding boundary, Content-* outside, header injection", () => {
    const base = { signedEntity: entity, signatureDer: der, micalg: "sha-256" };
    const cases = [
      { ...base, signedEntity: b("Content-Type: text/plain\n\nx\n") },
      { ...base, signedEntity: b("\r\n--X\r\n"), boundary: "X" },
      { ...base, boundary: "bad\u00e9" },
      { ...base, micalg: "" },
      { ...base, micalg: "sha 256" },
      { ...base, outerHeaders: [{ name: "Content-Type", value: "text/plain" }] },
      { ...base, outerHeaders: [{ name: "Subject", value: "x\r\nBcc: evil@example.com" }] },
      { ...base, outerHeaders: [{ name: "Bad Name", value: "x" }] },
      { ...base, outerHeaders: b("Subject: x\r\n\r\nbody") },
      { ...base, outerHeaders: [{ raw: b("Subject: a\r\nTo: b\r\n") }] },
      { ...base, preamble: "two\r\nlines" },
      { ...base, signatureDer: new Uint8Array(0) },
    ];
    for (const input of cases) {
      expect(() => buildMultipartSigned(input)).toThrow(
        expect.objectContaining({ code: "invalid-argument" }),
      );
    }
  });

  it("accepts a raw outer header block and keeps its bytes", () => {
    const out = buildMultipartSigned({
      signedEntity: entity,
      signatureDer: der,
      micalg: "sha-256",
      outerHeaders: b("From: a@b\nMIME-Version: 1.0\n"),
      preamble: null,
    });
    const e = parseEntity(out.bytes);
    expect(text(e.headerBytes).startsWith("From: a@b\r\nMIME-Version: 1.0\r\nContent-Type:")).toBe(true);
    expect(text(e.body).startsWith(`--${out.boundary}\r\n`)).toBe(true);
  });

  it("build then split gives back exactly the signed bytes and the signature (property)", () => {
    const canonicalEntity = fc.uint8Array({ maxLength: 600 }).map((u) => toCanonicalCrlf(u));
    fc.assert(
      fc.property(canonicalEntity, fc.uint8Array({ minLength: 1, maxLength: 300 }), (signed, sig) => {
        const out = buildMultipartSigned({ signedEntity: signed, signatureDer: sig, micalg: "sha-256" });
        const split = splitSigned(parseEntity(out.bytes));
        expect(Buffer.from(split.signed.bytes).equals(Buffer.from(signed))).toBe(true);
        expect(split.signed.start).toBe(out.signedStart);
        expect(Buffer.from(base64Decode(split.signature.entity.body)).equals(Buffer.from(sig))).toBe(true);
        expect(split.micalg).toEqual(["sha-256"]);
      }),
    );
  });
});

describe("buildPkcs7Mime (RFC 8551 §3.2)", () => {
  it("writes the headers and a base64 body", () => {
    const bytes = buildPkcs7Mime({
      der,
      smimeType: "enveloped-data",
      outerHeaders: [{ name: "To", value: "b@x" }],
    });
    const [head, body] = text(bytes).split("\r\n\r\n");
    expect(head).toBe(
      [
        "To: b@x",
        "MIME-Version: 1.0",
        "Content-Type: application/pkcs7-mime; smime-type=enveloped-data;", // folded at 76 (RFC 5322 §2.1.1)
        " name=smime.p7m",
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment; filename=smime.p7m",
      ].join("\r\n"),
    );
    expect(Buffer.from(base64Decode(body ?? "")).equals(Buffer.from(der))).toBe(true);
    expect(body?.endsWith("\r\n")).toBe(true);
  });

  it("names certs-only smime.p7c and can leave MIME-Version out", () => {
    const e = parseEntity(buildPkcs7Mime({ der, smimeType: "certs-only", mimeVersion: false }));
    expect(getHeader(e, "mime-version")).toBeUndefined();
    expect(entityContentType(e).params).toEqual(
      expect.objectContaining({ "smime-type": "certs-only", name: "smime.p7c" }),
    );
    expect(getHeader(e, "content-disposition")?.value).toBe("attachment; filename=smime.p7c");
    const unknown = { der, smimeType: "constructor" } as unknown as Parameters<typeof buildPkcs7Mime>[0];
    expect(() => buildPkcs7Mime(unknown)).toThrow(expect.objectContaining({ code: "invalid-argument" }));
    const auth = parseEntity(buildPkcs7Mime({ der, smimeType: "authEnveloped-data" }));
    expect(entityContentType(auth).params["smime-type"]).toBe("authEnveloped-data");
  });

  it("streams the same bytes from an async source", async () => {
    const big = Uint8Array.from({ length: 10_000 }, (_, i) => i * 7);
    async function* source() {
      for (let i = 0; i < big.length; i += 333) yield big.subarray(i, i + 333);
    }
    const parts: Uint8Array[] = [];
    for await (const p of buildPkcs7Mime({ der: source(), smimeType: "signed-data" })) parts.push(p);
    expect(
      Buffer.concat(parts).equals(Buffer.from(buildPkcs7Mime({ der: big, smimeType: "signed-data" }))),
    ).toBe(true);
  });
});
