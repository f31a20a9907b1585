import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CoreError, isCoreError } from "../errors.js";
import {
  entityContentType,
  entityTransferEncoding,
  getHeader,
  getHeaders,
  parseEntity,
} from "./parse-entity.js";

const b = (s: string): Buffer => Buffer.from(s, "utf8");
const text = (u: Uint8Array): string => Buffer.from(u).toString("latin1");

describe("parseEntity: byte-exact views", () => {
  it("splits a CRLF entity and keeps folded fields byte-exact", () => {
    const raw = b("Content-Type: text/plain;\r\n\tcharset=utf-8\r\nX-A:  spaced  \r\n\r\nbody\r\n");
    const e = parseEntity(raw);
    expect(e.headers.map((h) => h.name)).toEqual(["Content-Type", "X-A"]);
    expect(e.headers[0]?.value).toBe("text/plain;\tcharset=utf-8");
    expect(text(e.headers[0]!.raw)).toBe("Content-Type: text/plain;\r\n\tcharset=utf-8\r\n");
    expect(e.headers[1]?.value).toBe("spaced");
    expect(text(e.headerBytes)).toBe("Content-Type: text/plain;\r\n\tcharset=utf-8\r\nX-A:  spaced  \r\n");
    expect(e.bodyOffset).toBe(raw.length - 6);
    expect(text(e.body)).toBe("body\r\n");
    // No copies: the body and the raw fields share the caller's memory.
    expect(e.body.buffer).toBe(raw.buffer);
    expect(e.body.byteOffset).toBe(raw.byteOffset + e.bodyOffset);
    expect(e.raw).toBe(raw);
  });

  it("handles LF-only and mixed line endings", () => {
    const lf = parseEntity(b("A: 1\n B\nC: 2\n\nbody\n"));
    expect(lf.headers.map((h) => [h.name, h.value])).toEqual([
      ["A", "1 B"],
      ["C", "2"],
    ]);
    expect(text(lf.body)).toBe("body\n");
    const mixed = parseEntity(b("A: 1\r\nB: 2\n\r\nbody"));
    expect(mixed.headers).toHaveLength(2);
    expect(text(mixed.body)).toBe("body");
    const mixed2 = parseEntity(b("A: 1\nB: 2\r\n\nbody"));
    expect(text(mixed2.headerBytes)).toBe("A: 1\nB: 2\r\n");
    expect(text(mixed2.body)).toBe("body");
  });

  it("accepts a header-only entity (no blank line, no body)", () => {
    for (const raw of ["A: 1\r\nB: 2\r\n", "A: 1\r\nB: 2"]) {
      const e = parseEntity(b(raw));
      expect(e.headers).toHaveLength(2);
      expect(e.bodyOffset).toBe(raw.length);
      expect(e.body.length).toBe(0);
      expect(text(e.headerBytes)).toBe(raw);
    }
  });

  it("accepts an entity without header fields (leading blank line) and an empty one", () => {
    const e = parseEntity(b("\r\nbody"));
    expect(e.headers).toEqual([]);
    expect(e.headerBytes.length).toBe(0);
    expect(text(e.body)).toBe("body");
    const empty = parseEntity(new Uint8Array(0));
    expect(empty.headers).toEqual([]);
    expect(empty.body.length).toBe(0);
  });

  it("starts the body at the first non-header line (openssl cms -sign writes such parts)", () => {
    const e = parseEntity(b("hello\r\nworld\r\n"));
    expect(e.headers).toEqual([]);
    expect(e.bodyOffset).toBe(0);
    const f = parseEntity(b("Content-Type: text/plain\r\nno colon here\r\n\r\nx"));
    expect(f.headers.map((h) => h.name)).toEqual(["Content-Type"]);
    expect(text(f.body)).toBe("no colon here\r\n\r\nx");
    const g = parseEntity(b(" leading continuation\r\n\r\n"));
    expect(g.headers).toEqual([]);
    expect(g.bodyOffset).toBe(0);
  });

  it("accepts obsolete whitespace before the colon (RFC 5322 §4.5.3)", () => {
    const e = parseEntity(b("Subject  : hi\r\n\r\n"));
    expect(e.headers[0]).toMatchObject({ name: "Subject", value: "hi" });
  });

  it("decodes header text as UTF-8 when valid, else latin1; the body is untouched", () => {
    const raw = Buffer.concat([
      b("Subject: Grüße\r\nX-L: "),
      Buffer.from([0xe4, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0x00]),
    ]);
    const e = parseEntity(raw);
    expect(getHeader(e, "subject")?.value).toBe("Grüße");
    expect(getHeader(e, "x-l")?.value).toBe("ä");
    expect([...e.body]).toEqual([0xff, 0x00]);
  });

  it("looks headers up case-insensitively", () => {
    const e = parseEntity(b("Received: a\r\nreceived: b\r\nRECEIVED: c\r\n\r\n"));
    expect(getHeader(e, "RECEIVED")?.value).toBe("a");
    expect(getHeaders(e, "Received").map((h) => h.value)).toEqual(["a", "b", "c"]);
    expect(getHeader(e, "missing")).toBeUndefined();
  });

  it("defaults Content-Type and Content-Transfer-Encoding (RFC 2045 §5.2, §6.1)", () => {
    const e = parseEntity(b("\r\nx"));
    expect(entityContentType(e).mediaType).toBe("text/plain");
    expect(entityTransferEncoding(e)).toBe("7bit");
    const f = parseEntity(b("Content-Transfer-Encoding: (c) Base64 \r\n\r\n"));
    expect(entityTransferEncoding(f)).toBe("base64");
  });
});

describe("parseEntity: limits", () => {
  it("stops a header bomb of folded lines", () => {
    const bomb = b(`X: a\r\n${" b\r\n".repeat(100_000)}\r\nbody`);
    expect(() => parseEntity(bomb)).toThrow(expect.objectContaining({ code: "limit-exceeded" }));
    expect(parseEntity(bomb, { maxHeaderBytes: 1_000_000 }).headers).toHaveLength(1);
  });

  it("stops one giant header line and too many fields", () => {
    expect(() => parseEntity(b(`X: ${"a".repeat(300_000)}`))).toThrow(CoreError);
    const many = b(`${"X: y\r\n".repeat(2000)}\r\n`);
    expect(() => parseEntity(many)).toThrow(/more than 1000 header fields/);
    expect(parseEntity(many, { maxHeaderFields: 5000 }).headers).toHaveLength(2000);
  });

  it("does not count a large body against the header limit", () => {
    const e = parseEntity(b(`A: 1\r\n\r\n${"x".repeat(1_000_000)}`), { maxHeaderBytes: 100 });
    expect(e.body.length).toBe(1_000_000);
    expect(parseEntity(b("y".repeat(1_000_000)), { maxHeaderBytes: 100 }).bodyOffset).toBe(0);
  });

  it("rejects unusable limits as misuse", () => {
    expect(() => parseEntity(b(""), { maxDepth: -1 })).toThrow(
      expect.objectContaining({ code: "invalid-argument" }),
    );
  });
});

describe("parseEntity: properties", () => {
  const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
  const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
  const eol = fc.constantFrom("\r\n", "\n");

  it("fields' raw bytes + blank line + body rebuild the input exactly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, value, fc.option(value)), { maxLength: 8 }),
        eol,
        fc.uint8Array(),
        (fields, nl, body) => {
          const head = fields
            .map(([n, v, fold]) => `${n}: ${v}${fold === null ? "" : `${nl} ${fold}`}${nl}`)
            .join("");
          const raw = Buffer.concat([b(head), b(nl), body]);
          const e = parseEntity(raw);
          expect(e.headers).toHaveLength(fields.length);
          expect(Buffer.concat(e.headers.map((h) => h.raw)).equals(e.headerBytes)).toBe(true);
          expect(Buffer.concat([e.headerBytes, b(nl), e.body]).equals(raw)).toBe(true);
          e.headers.forEach((h, i) => {
            const [n, v, fold] = fields[i]!;
            expect(h.name).toBe(n);
            expect(h.value).toBe(fold === null ? v : `${v} ${fold}`);
          });
        },
      ),
    );
  });

  it("never throws anything but a CoreError on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (raw) => {
        try {
          const e = parseEntity(raw, { maxHeaderBytes: 200, maxHeaderFields: 10 });
          expect(e.bodyOffset).toBeLessThanOrEqual(raw.length);
        } catch (error) {
          expect(isCoreError(error, "limit-exceeded")).toBe(true);
        }
      }),
    );
  });
});
