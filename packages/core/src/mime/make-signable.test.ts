import { isAscii } from "node:buffer";
import { describe, expect, it } from "vitest";
import { base64Decode } from "./base64.js";
import { isCanonical } from "./canonicalize.js";
import { isSafe7bit, makeSignable } from "./make-signable.js";
import { splitMultipart } from "./multipart.js";
import { entityTransferEncoding, getHeader, parseEntity } from "./parse-entity.js";
import { qpDecode } from "./quoted-printable.js";

const b = (s: string): Buffer => Buffer.from(s, "utf8");
const text = (u: Uint8Array): string => Buffer.from(u).toString("utf8");
const signable = (s: string | Buffer) => makeSignable(parseEntity(typeof s === "string" ? b(s) : s));

describe("makeSignable (RFC 8551 §3.1.1–§3.1.3)", () => {
  it("leaves a canonical 7-bit-safe entity as the very same bytes", () => {
    const raw = b("Content-Type: text/plain\r\n\r\nhello\r\n");
    expect(makeSignable(parseEntity(raw))).toBe(raw);
  });

  it("only canonicalises line endings of a safe LF-only entity", () => {
    expect(text(signable("Content-Type: text/plain\n\nhello\nworld\n"))).toBe(
      "Content-Type: text/plain\r\n\r\nhello\r\nworld\r\n",
    );
  });

  it("turns 8bit text into quoted-printable and replaces the encoding header in place", () => {
    const out = signable(
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\nX-Keep: 1\n\nGrüße\n",
    );
    expect(text(out)).toBe(
      "Content-Type: text/plain; charset=utf-8\r\nX-Keep: 1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n",
    );
    expect(text(qpDecode(parseEntity(out).body))).toBe("Grüße\r\n");
  });

  it("quotes risky 7-bit text: trailing whitespace, 'From ', a lone '.', overlong lines", () => {
    for (const body of ["trailing \r\n", "From me\r\n", "a\r\n.\r\nb", `${"x".repeat(999)}\r\n`]) {
      const out = parseEntity(signable(`Content-Type: text/plain\r\n\r\n${body}`));
      expect(entityTransferEncoding(out)).toBe("quoted-printable");
      expect(text(qpDecode(out.body))).toBe(body);
      expect(isSafe7bit(out.body)).toBe(true);
    }
  });

  it("base64-encodes binary and 8-bit non-text bodies without touching their bytes", () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x0a]);
    for (const cte of ["binary", "8bit"]) {
      const raw = Buffer.concat([
        b(`Content-Type: image/png\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n`),
        png,
      ]);
      const out = parseEntity(makeSignable(parseEntity(raw)));
      expect(entityTransferEncoding(out)).toBe("base64");
      expect(Buffer.from(base64Decode(out.body)).equals(png)).toBe(true);
    }
  });

  it("relabels a 7-bit-clean 8bit body as 7bit and keeps quoted-printable and base64 bodies", () => {
    const out = signable("Content-Transfer-Encoding: 8bit\r\n\r\nplain\r\n");
    expect(text(out)).toBe("Content-Transfer-Encoding: 7bit\r\n\r\nplain\r\n");
    const qp = b("Content-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n");
    expect(makeSignable(parseEntity(qp))).toBe(qp);
    const b64 = b("Content-Transfer-Encoding: base64\n\nAAAA\n");
    expect(text(makeSignable(parseEntity(b64)))).toBe("Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n");
  });

  it("re-encodes only the parts of a multipart that need it, keeping everything else", () => {
    const raw = b(
      [
        'Content-Type: multipart/mixed; boundary="b"',
        "Content-Transfer-Encoding: 8bit",
        "",
        "preamble",
        "--b",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Grüße",
        "--b",
        "Content-Type: application/octet-stream",
        "Content-Transfer-Encoding: base64",
        "",
        "AAEC",
        "--b--",
        "epilogue",
        "",
      ].join("\n"),
    );
    const out = makeSignable(parseEntity(raw));
    expect(isCanonical(out)).toBe(true);
    expect(isAscii(out)).toBe(true);
    const entity = parseEntity(out);
    expect(entityTransferEncoding(entity)).toBe("7bit");
    const split = splitMultipart(entity, { requireClose: true });
    expect(text(split.preamble)).toBe("preamble");
    expect(text(split.epilogue)).toBe("epilogue\r\n");
    expect(text(split.parts[0]!.bytes)).toBe(
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe",
    );
    expect(text(split.parts[1]!.bytes)).toBe(
      "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC",
    );
  });

  it("walks into message/rfc822 (which may not be base64- or QP-encoded itself)", () => {
    const raw = b(
      "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\nÄ\r\n",
    );
    const out = parseEntity(makeSignable(parseEntity(raw)));
    expect(getHeader(out, "content-transfer-encoding")).toBeUndefined();
    const inner = parseEntity(out.body);
    expect(entityTransferEncoding(inner)).toBe("quoted-printable");
    expect(text(inner.body)).toBe("=C3=84\r\n");
  });

  it("leaves unknown transfer encodings alone", () => {
    const raw = b("Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 ä\r\n");
    expect(makeSignable(parseEntity(raw))).toBe(raw);
  });
});

describe("isSafe7bit", () => {
  it("accepts plain ASCII lines and rejects what relays rewrite", () => {
    expect(isSafe7bit(b("hello\r\nworld"))).toBe(true);
    expect(isSafe7bit(b(""))).toBe(true);
    for (const bad of [
      "ü",
      "a\u0000b",
      "a \r\n",
      "a\t",
      "From x",
      "x\nFrom y",
      ".",
      "a\n.\nb",
      "y".repeat(999),
    ]) {
      expect(isSafe7bit(b(bad)), JSON.stringify(bad)).toBe(false);
    }
    expect(isSafe7bit(b(".x\r\nFrom:\r\n"))).toBe(true);
  });
});
