import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatHeaderParams,
  formatParam,
  parseContentDisposition,
  parseContentType,
  parseHeaderParams,
} from "./content-type.js";

describe("parseContentType (RFC 2045 §5.1)", () => {
  it("reads type, subtype and quoted parameters, lowercasing names but not values", () => {
    const ct = parseContentType(
      'Multipart/Signed; Protocol="application/pkcs7-signature"; micalg="sha-256,sha-512"; BOUNDARY="--=_X y"',
    );
    expect(ct).toMatchObject({ type: "multipart", subtype: "signed", mediaType: "multipart/signed" });
    expect({ ...ct.params }).toEqual({
      protocol: "application/pkcs7-signature",
      micalg: "sha-256,sha-512",
      boundary: "--=_X y",
    });
  });

  it("defaults to text/plain; charset=us-ascii when missing, empty or invalid (§5.2)", () => {
    for (const value of [undefined, "", "   ", "text", "text/", "/plain", "text/pl@in; charset=utf-8"]) {
      const ct = parseContentType(value);
      expect(ct.mediaType).toBe("text/plain");
      expect(ct.params.charset).toBe("us-ascii");
    }
  });

  it("skips comments and whitespace, and unescapes quoted-pairs", () => {
    const ct = parseContentType(
      ' text / plain (a comment; with semicolon) ; charset = "utf-8" (x); name="a\\"b\\\\c"',
    );
    expect(ct.mediaType).toBe("text/plain");
    expect(ct.params.charset).toBe("utf-8");
    expect(ct.params.name).toBe('a"b\\c');
  });

  it("is lenient with real-world unquoted values", () => {
    expect(parseContentType("multipart/mixed; boundary=----=_Part_0_1.2").params.boundary).toBe(
      "----=_Part_0_1.2",
    );
    expect(parseContentType("application/pdf; name=my file.pdf").params.name).toBe("my file.pdf");
    expect(parseContentType("application/pdf; name=file(1).pdf").params.name).toBe("file(1).pdf");
    expect(parseContentType("text/plain; charset=utf-8 (comment)").params.charset).toBe("utf-8");
    expect(parseContentType("text/plain; ; junk; charset=x;").params).toEqual(
      expect.objectContaining({ charset: "x" }),
    );
  });

  it("keeps the first of duplicate parameters and returns a prototype-free record", () => {
    const ct = parseContentType("multipart/mixed; boundary=a; boundary=b");
    expect(ct.params.boundary).toBe("a");
    expect(ct.params.constructor).toBeUndefined();
    expect(Object.getPrototypeOf(ct.params)).toBeNull();
    expect(Object.keys(parseContentType("text/plain; __proto__=x").params)).toEqual(["__proto__"]);
  });

  it("decodes RFC 2231 §4 and §4.1 examples", () => {
    const single = parseContentType(
      "application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
    );
    expect(single.params.title).toBe("This is ***fun***");
    const continued = parseContentType(
      "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; " +
        'title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2="isn\'t it!"',
    );
    expect(continued.params.title).toBe("This is even more ***fun*** isn't it!");
    const plain = parseContentType(
      'message/external-body; URL*0="ftp://"; URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"',
    );
    expect(plain.params.url).toBe("ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
  });

  it("decodes RFC 2231 charsets and prefers the extended form", () => {
    const d = parseContentDisposition(
      "attachment; filename=\"fallback.pdf\"; filename*=UTF-8''%E2%82%AC%20rates.pdf",
    );
    expect(d.value).toBe("attachment");
    expect(d.params.filename).toBe("€ rates.pdf");
    expect(parseContentDisposition("inline; filename*=iso-8859-1''%E4rger.txt").params.filename).toBe(
      "ärger.txt",
    );
    // Out of order segments are sorted; a gap ends the value; bad escapes stay literal.
    const c = parseContentDisposition("attachment; name*1=b; name*0=a; name*3=d; x*=utf-8''%zz%4");
    expect(c.params.name).toBe("ab");
    expect(c.params.x).toBe("%zz%4");
  });

  it("never throws on hostile values", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const ct = parseContentType(s);
        expect(ct.mediaType).toBe(`${ct.type}/${ct.subtype}`);
      }),
    );
    // Unterminated quote and comment, and many parameters, stay linear.
    expect(parseContentType('text/plain; a="unterminated; b=c').params.a).toBe("unterminated; b=c");
    expect(parseContentType("text/plain; (unterminated a=b").params).toEqual({});
    const many = `text/plain${"; a".repeat(100_000)}`;
    const start = performance.now();
    parseContentType(many);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe("formatParam / formatHeaderParams", () => {
  it("chooses token, quoted string or RFC 2231 encoding", () => {
    expect(formatParam("micalg", "sha-256")).toBe("micalg=sha-256");
    expect(formatParam("boundary", "----=_x")).toBe('boundary="----=_x"');
    expect(formatParam("name", 'a "b"')).toBe('name="a \\"b\\""');
    expect(formatParam("filename", "€ rates.pdf")).toBe("filename*=utf-8''%E2%82%AC%20rates.pdf");
  });

  it("round-trips through parseHeaderParams (property)", () => {
    const paramName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(
        fc.dictionary(paramName, fc.string({ unit: "grapheme", maxLength: 40 }), { maxKeys: 6 }),
        (params) => {
          const parsed = parseHeaderParams(formatHeaderParams("type/sub", params));
          expect(parsed.value).toBe("type/sub");
          expect({ ...parsed.params }).toEqual({ ...params });
        },
      ),
    );
  });
});
