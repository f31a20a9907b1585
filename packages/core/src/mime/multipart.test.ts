import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCoreError } from "../errors.js";
import { splitMultipart, splitSigned } from "./multipart.js";
import { getHeader, parseEntity } from "./parse-entity.js";

const b = (s: string): Buffer => Buffer.from(s, "utf8");
const text = (u: Uint8Array): string => Buffer.from(u).toString("utf8");
const mixed = (boundary: string, body: string, nl = "\r\n"): Buffer =>
  b(`Content-Type: multipart/mixed; boundary="${boundary}"${nl}${nl}${body}`);

describe("splitMultipart (RFC 2046 §5.1.1)", () => {
  it("gives parts as exact subarrays; the CRLF before a delimiter belongs to the delimiter", () => {
    const raw = mixed(
      "b",
      "preamble\r\n--b\r\nA: 1\r\n\r\none\r\n\r\n--b\r\n\r\ntwo\r\n--b--\r\nepilogue\r\n",
    );
    const split = splitMultipart(parseEntity(raw));
    expect(split.parts.map((p) => text(p.bytes))).toEqual(["A: 1\r\n\r\none\r\n", "\r\ntwo"]);
    expect(text(split.preamble)).toBe("preamble");
    expect(text(split.epilogue)).toBe("epilogue\r\n");
    expect(split.closed).toBe(true);
    for (const part of split.parts) {
      expect(raw.subarray(part.start, part.end).equals(part.bytes)).toBe(true);
      expect(part.bytes.buffer).toBe(raw.buffer);
      expect(part.entity.depth).toBe(1);
      expect(part.entity.offset).toBe(part.start);
    }
    expect(getHeader(split.parts[0]!.entity, "a")?.value).toBe("1");
  });

  it("handles LF-only messages and an empty preamble", () => {
    const raw = mixed("xyz", "--xyz\nContent-Type: text/plain\n\nhi\n--xyz--\n", "\n");
    const split = splitMultipart(parseEntity(raw));
    expect(split.preamble.length).toBe(0);
    expect(split.parts.map((p) => text(p.bytes))).toEqual(["Content-Type: text/plain\n\nhi"]);
  });

  it("tolerates transport padding after delimiters and a delimiter at the very end", () => {
    const raw = mixed("b", "--b \t\r\n\r\nx\r\n--b--  ");
    const split = splitMultipart(parseEntity(raw));
    expect(split.parts.map((p) => text(p.bytes))).toEqual(["\r\nx"]);
    expect(split.closed).toBe(true);
  });

  it("treats a line that only starts with the boundary as content", () => {
    const body = "--b\r\n\r\nline\r\n--bb not a delimiter\r\n--b-- neither\r\n x--b\r\n--b--\r\n";
    const split = splitMultipart(parseEntity(mixed("b", body)));
    expect(split.parts.map((p) => text(p.bytes))).toEqual([
      "\r\nline\r\n--bb not a delimiter\r\n--b-- neither\r\n x--b",
    ]);
  });

  it("reports a missing close delimiter, and rejects it only when asked", () => {
    const raw = mixed("b", "--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n");
    const split = splitMultipart(parseEntity(raw));
    expect(split.closed).toBe(false);
    expect(split.parts.map((p) => text(p.bytes))).toEqual(["\r\none", "\r\ntwo\r\n"]);
    expect(split.epilogue.length).toBe(0);
    expect(() => splitMultipart(parseEntity(raw), { requireClose: true })).toThrow(/missing close delimiter/);
  });

  it("gives empty and header-only parts", () => {
    const split = splitMultipart(parseEntity(mixed("b", "--b\r\n--b\r\n\r\n--b\r\nX: y\r\n--b--")));
    expect(split.parts.map((p) => text(p.bytes))).toEqual(["", "", "X: y"]);
    expect(split.parts[2]!.entity.headers).toHaveLength(1);
  });

  it("rejects entities that are not usable multiparts", () => {
    const cases = [
      b("Content-Type: text/plain\r\n\r\n--b\r\n"),
      b("Content-Type: multipart/mixed\r\n\r\n--b\r\n"),
      mixed("b", "no delimiter here\r\n"),
      mixed("b\u0001", "--b\u0001\r\n"),
    ];
    for (const raw of cases) {
      expect(() => splitMultipart(parseEntity(raw))).toThrow(expect.objectContaining({ code: "malformed" }));
    }
  });

  it("splits nested multiparts with offsets into the original buffer", () => {
    const inner =
      'Content-Type: multipart/alternative; boundary="in"\r\n\r\n--in\r\n\r\nplain\r\n--in\r\n\r\nhtml\r\n--in--\r\n';
    const raw = mixed("out", `--out\r\n${inner}\r\n--out\r\n\r\nattachment\r\n--out--\r\n`);
    const outer = splitMultipart(parseEntity(raw));
    const nested = splitMultipart(outer.parts[0]!.entity);
    expect(nested.parts.map((p) => text(p.bytes))).toEqual(["\r\nplain", "\r\nhtml"]);
    for (const part of nested.parts) {
      expect(raw.subarray(part.start, part.end).equals(part.bytes)).toBe(true);
      expect(part.entity.depth).toBe(2);
    }
  });

  it("enforces maxParts and maxDepth", () => {
    const many = mixed("b", `${"--b\r\n\r\nx\r\n".repeat(1500)}--b--`);
    expect(() => splitMultipart(parseEntity(many))).toThrow(
      expect.objectContaining({ code: "limit-exceeded" }),
    );
    expect(splitMultipart(parseEntity(many), { limits: { maxParts: 2000 } }).parts).toHaveLength(1500);

    let nested = "\r\nleaf";
    for (let i = 0; i < 40; i++)
      nested = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${nested}\r\n--b${i}--`;
    const walk = (raw: Uint8Array, limits = {}): number => {
      let entity = parseEntity(raw, limits);
      let depth = 0;
      while (getHeader(entity, "content-type")) {
        entity = splitMultipart(entity, { limits }).parts[0]!.entity;
        depth++;
      }
      return depth;
    };
    expect(() => walk(b(nested))).toThrow(/nested deeper than 32/);
    expect(walk(b(nested), { maxDepth: 64 })).toBe(40);
  });

  it("never throws anything but a CoreError on arbitrary bodies", () => {
    const piece = fc.constantFrom(
      "--b",
      "--b--",
      "\r\n",
      "\n",
      "\r",
      " ",
      "x",
      "Content-Type: multipart/mixed; boundary=c\r\n",
      "--c\r\n",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        try {
          const split = splitMultipart(parseEntity(mixed("b", pieces.join(""))), {
            limits: { maxParts: 20 },
          });
          for (const p of split.parts) if (p.entity.headers.length > 0) splitMultipart(p.entity);
        } catch (error) {
          expect(isCoreError(error)).toBe(true);
        }
      }),
    );
  });
});

describe("splitSigned (RFC 1847 §2.1)", () => {
  const signed = (
    body: string,
    params = 'protocol="application/pkcs7-signature"; micalg="SHA-256, sha-512"',
  ) => parseEntity(b(`Content-Type: multipart/signed; ${params}; boundary="s"\r\n\r\n${body}`));

  it("returns part 1's exact bytes, the protocol and the micalg list", () => {
    const s = splitSigned(
      signed("--s\r\nContent-Type: text/plain\r\n\r\nhi\r\n\r\n--s\r\n\r\nsig\r\n--s--\r\n"),
    );
    expect(text(s.signed.bytes)).toBe("Content-Type: text/plain\r\n\r\nhi\r\n");
    expect(s.protocol).toBe("application/pkcs7-signature");
    expect(s.micalg).toEqual(["sha-256", "sha-512"]);
    expect(text(s.signature.entity.body)).toBe("sig");
  });

  it("requires two parts, a protocol and the close delimiter", () => {
    expect(() => splitSigned(signed("--s\r\n\r\na\r\n--s--"))).toThrow(/exactly 2 parts, found 1/);
    expect(() => splitSigned(signed("--s\r\n\r\na\r\n--s\r\n\r\nb\r\n--s\r\n\r\nc\r\n--s--"))).toThrow(
      /found 3/,
    );
    expect(() => splitSigned(signed("--s\r\n\r\na\r\n--s\r\n\r\nb\r\n"))).toThrow(/missing close/);
    expect(() => splitSigned(signed("--s\r\n\r\na\r\n--s\r\n\r\nb\r\n--s--", "micalg=sha-1"))).toThrow(
      /protocol/,
    );
    expect(splitSigned(signed("--s\r\n\r\na\r\n--s\r\n\r\nb\r\n--s--", 'protocol="x"')).micalg).toEqual([]);
  });
});
