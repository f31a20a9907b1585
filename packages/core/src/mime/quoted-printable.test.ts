import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toCanonicalCrlf } from "./canonicalize.js";
import { isSafe7bit } from "./make-signable.js";
import { qpDecode, qpEncode } from "./quoted-printable.js";

const b = (s: string): Buffer => Buffer.from(s, "utf8");
const text = (u: Uint8Array): string => Buffer.from(u).toString("latin1");

describe("qpDecode (RFC 2045 §6.7)", () => {
  it("decodes escapes and soft line breaks, keeping hard breaks as written", () => {
    expect(text(qpDecode(b("a=3Db=\r\nc\r\nd=\ne\nf")))).toBe("a=bc\r\nde\nf");
    expect(Buffer.from(qpDecode(b("Gr=C3=BC=c3=9fe"))).toString("utf8")).toBe("Grüße");
  });

  it("drops trailing whitespace (rule 3), also after a soft break", () => {
    expect(text(qpDecode(b("a  \t\r\nb=  \r\nc \t")))).toBe("a\r\nbc");
  });

  it("keeps a '=' that does not start an escape (robust reading)", () => {
    expect(text(qpDecode(b("a=ZZb =4 x=")))).toBe("a=ZZb =4 x");
    expect(text(qpDecode(b("=4\r\n=")))).toBe("=4\r\n");
  });
});

describe("qpEncode (RFC 8551 §3.1.3)", () => {
  it("escapes '=', 8-bit and control bytes, trailing whitespace", () => {
    expect(text(qpEncode(b("a=b ü\x01\tend \nx\t\r\ny ")))).toBe("a=3Db =C3=BC=01\tend=20\r\nx=09\r\ny=20");
  });

  it("protects 'From ' and '.' at the start of a line", () => {
    expect(text(qpEncode(b("From me\n.\n.x\nFrom\nXFrom x")))).toBe(
      "=46rom me\r\n=2E\r\n=2Ex\r\nFrom\r\nXFrom x",
    );
  });

  it("soft-breaks long lines at 76 columns without splitting escapes", () => {
    const out = text(qpEncode(b(`${"a".repeat(200)}\n${"ü".repeat(60)}`)));
    const lines = out.split("\r\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(76);
    expect(lines[0]).toBe(`${"a".repeat(75)}=`);
    for (const line of lines) expect(line).not.toMatch(/=[0-9A-F]=$|==$/);
    // A final line of exactly 76 characters needs no soft break.
    expect(text(qpEncode(b("b".repeat(76))))).toBe("b".repeat(76));
    expect(text(qpEncode(b("b".repeat(77))))).toBe(`${"b".repeat(75)}=\r\nbb`);
  });

  it("decode(encode(x)) is x with canonical line endings; output is 7-bit safe (property)", () => {
    const textish = fc
      .array(
        fc.oneof(
          fc.constantFrom("From ", ".", " ", "\t", "=", "\r", "\n", "\r\n", "ü", "\u0000"),
          fc.string(),
        ),
        {
          maxLength: 60,
        },
      )
      .map((parts) => b(parts.join("")));
    fc.assert(
      fc.property(
        fc.oneof(textish, fc.uint8Array({ maxLength: 300 })),
        fc.integer({ min: 4, max: 120 }),
        (input, max) => {
          const encoded = qpEncode(input, { lineLength: max });
          expect(Buffer.from(qpDecode(encoded)).equals(Buffer.from(toCanonicalCrlf(input)))).toBe(true);
          expect(isSafe7bit(encoded)).toBe(true);
          for (const line of text(encoded).split("\r\n")) expect(line.length).toBeLessThanOrEqual(max);
        },
      ),
    );
  });
});
