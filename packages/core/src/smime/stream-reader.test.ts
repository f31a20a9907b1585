import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveMimeLimits } from "../mime/limits.js";
import { parseEntity } from "../mime/parse-entity.js";
import { readEntityHead, StreamReader } from "./stream-reader.js";

/**
 * readEntityHead finds the end of a header block where parseEntity does (RFC 5322 §2.1–§2.2:
 * the blank line, or the first line that is neither a field nor a continuation), however the
 * bytes are chunked, and gives back the body bytes that came with it untouched.
 */
const line = fc.oneof(
  fc.constantFrom("Subject: hi", "X-A:b", "Name : spaced", " folded", "\tfolded", "", "no colon here"),
  fc.constantFrom("From the desk", ":starts with colon", "Bad\u0001Name: x", "Gr\u00fc\u00dfe: 8bit"),
  fc.string({ unit: fc.constantFrom("a", ":", " ", "-", "\u00e9", "\u0000"), maxLength: 10 }),
);
const message = fc
  .tuple(fc.array(fc.tuple(line, fc.constantFrom("\r\n", "\n", "\r")), { maxLength: 8 }), fc.boolean())
  .map(([lines, trailing]) =>
    Buffer.from(lines.map(([l, e]) => l + e).join("") + (trailing ? "body\r\nmore" : ""), "latin1"),
  );

describe("readEntityHead (RFC 5322 §2.1)", () => {
  it("ends the header block where parseEntity does, for any chunking (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        message,
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1 }),
        async (raw, sizes) => {
          const chunks: Uint8Array[] = [];
          for (let at = 0, i = 0; at < raw.length; i++) {
            const size = sizes[i % sizes.length] as number;
            chunks.push(raw.subarray(at, at + size));
            at += size;
          }
          const reader = new StreamReader(chunks);
          const head = await readEntityHead(reader, resolveMimeLimits());
          const rest: Uint8Array[] = [];
          for (let c = await reader.next(); c !== undefined; c = await reader.next()) rest.push(c);
          const want = parseEntity(raw);
          expect(head.headers.map((h) => Buffer.from(h.raw).toString("latin1"))).toEqual(
            want.headers.map((h) => Buffer.from(h.raw).toString("latin1")),
          );
          expect(head.raw.length).toBe(want.bodyOffset);
          expect(Buffer.concat([head.raw, ...rest]).equals(raw)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("takes a line without LF that cannot be a field as the start of the body at once", async () => {
    const noise = Buffer.from([0x8f, 0x00, 0x41, 0x42]);
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      pulled++;
      yield noise;
      pulled++;
      yield Buffer.alloc(10_000_000); // never needed to decide
    }
    const head = await readEntityHead(new StreamReader(source()), resolveMimeLimits());
    expect(head.headers).toEqual([]);
    expect(head.raw.length).toBe(0);
    expect(pulled).toBe(1);
  });
});
