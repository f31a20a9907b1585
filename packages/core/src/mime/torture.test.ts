/**
 * End-to-end torture: a realistic message goes through the steps the S/MIME layer takes —
 * split outer headers, make the content signable, wrap it in multipart/signed, store it with
 * LF line endings, read it back — and every byte that was signed comes back exactly.
 */
import { describe, expect, it } from "vitest";
import { base64Decode, base64Encode } from "./base64.js";
import { buildMultipartSigned } from "./build.js";
import { isCanonical, toCanonicalCrlf } from "./canonicalize.js";
import { parseContentDisposition } from "./content-type.js";
import { contentEntityBytes, decodeEncodedWords, parseAddressList, splitMessageHeaders } from "./headers.js";
import { makeSignable } from "./make-signable.js";
import { splitMultipart, splitSigned } from "./multipart.js";
import { entityContentType, getHeader, parseEntity } from "./parse-entity.js";
import { qpDecode } from "./quoted-printable.js";

const pdf = Buffer.from("%PDF-1.4\n\u0000\u00ff binary \r\n--mixedX is not a delimiter\n", "latin1");
const message = Buffer.concat([
  Buffer.from(
    [
      "From: =?utf-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>",
      'To: Team: a@example.com, "B, Bee" <b@example.com>;',
      "Subject: =?utf-8?B?R3LDvMOfZQ==?= and",
      " =?iso-8859-1?q?K=F6ln?=",
      "Date: Thu, 1 Jan 2026 00:00:00 +0000",
      "Message-ID: <torture@example.de>",
      "MIME-Version: 1.0",
      "Content-Type: multipart/mixed;",
      '\tboundary="mixed"',
      "",
      "--mixed",
      "Content-Type: multipart/alternative; boundary=alt",
      "",
      "--alt",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "",
      "Grüße — see --mixed below",
      "From the team.",
      "--alt",
      "Content-Type: text/html; charset=utf-8",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "<p>Gr=C3=BC=C3=9Fe</p>",
      "--alt--",
      "",
      "--mixed",
      "Content-Type: application/pdf; name*=utf-8''R%C3%A9sum%C3%A9.pdf",
      "Content-Disposition: attachment; filename*0*=utf-8''R%C3%A9; filename*1=sum; filename*2*=%C3%A9.pdf",
      "Content-Transfer-Encoding: binary",
      "",
      "",
    ].join("\n"),
    "utf8",
  ),
  pdf,
  Buffer.from("\n--mixed--\n", "latin1"),
]);

describe("torture: sign a realistic message and read it back", () => {
  it("reads the display headers", () => {
    const entity = parseEntity(message);
    expect(decodeEncodedWords(getHeader(entity, "subject")!.value)).toBe("Grüße and Köln");
    expect(parseAddressList(getHeader(entity, "from")!.value)).toEqual([
      { name: "Jürgen Müller", address: "juergen@example.de" },
    ]);
    expect(parseAddressList(getHeader(entity, "to")!.value).map((a) => a.address)).toEqual([
      "a@example.com",
      "b@example.com",
    ]);
  });

  it("signs, survives LF-only storage, and gives back the exact signed bytes and the attachment", () => {
    const entity = parseEntity(message);
    const { outer } = splitMessageHeaders(entity);
    const signedEntity = makeSignable(parseEntity(contentEntityBytes(entity)));
    expect(isCanonical(signedEntity)).toBe(true);
    expect(Buffer.from(signedEntity).every((c) => c < 0x80)).toBe(true);
    const built = buildMultipartSigned({
      signedEntity,
      signatureDer: Uint8Array.of(0x30, 0),
      micalg: "sha-256",
      outerHeaders: outer,
    });

    // A store that lost its CRs: part 1 comes back LF-only, and canonicalising restores it.
    const stored = Buffer.from(Buffer.from(built.bytes).toString("latin1").replace(/\r\n/g, "\n"), "latin1");
    const signed = splitSigned(parseEntity(stored));
    expect(Buffer.from(toCanonicalCrlf(signed.signed.bytes)).equals(Buffer.from(built.signedBytes))).toBe(
      true,
    );
    expect([...base64Decode(signed.signature.entity.body)]).toEqual([0x30, 0]);

    // Walk the signed entity as received over the wire (CRLF).
    const wire = splitSigned(parseEntity(built.bytes));
    expect(Buffer.from(wire.signed.bytes).equals(Buffer.from(signedEntity))).toBe(true);
    const mixed = splitMultipart(wire.signed.entity, { requireClose: true });
    expect(mixed.parts).toHaveLength(2);
    const alt = splitMultipart(mixed.parts[0]!.entity);
    const plain = alt.parts[0]!.entity;
    expect(entityContentType(plain).params.charset).toBe("utf-8");
    expect(Buffer.from(qpDecode(plain.body)).toString("utf8")).toBe(
      "Grüße — see --mixed below\r\nFrom the team.",
    );
    const attachment = mixed.parts[1]!.entity;
    expect(parseContentDisposition(getHeader(attachment, "content-disposition")!.value).params.filename).toBe(
      "Résumé.pdf",
    );
    expect(entityContentType(attachment).params.name).toBe("Résumé.pdf");
    expect(Buffer.from(base64Decode(attachment.body)).equals(pdf)).toBe(true);
    // Re-encoded as base64 lines; the delimiter's CRLF follows the last line's own CRLF.
    expect(Buffer.from(attachment.body).equals(Buffer.from(base64Encode(pdf)))).toBe(true);
  });
});
