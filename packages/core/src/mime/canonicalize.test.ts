import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CrlfCanonicalizer, canonicalizeChunks, isCanonical, toCanonicalCrlf } from "./canonicalize.js";

const b = (s: string): Buffer => Buffer.from(s, "latin1");
const text = (u: Uint8Array): string => Buffer.from(u).toString("latin1");
/** Reference: the obvious string implementation. */
const reference = (u: Uint8Array): string => text(u).replace(/\r\n|\r|\n/g, "\r\n");

/** Bytes rich in CR and LF, in short and long (dense-path) runs. */
const lineBytes = fc
  .array(fc.constantFrom(0x0d, 0x0a, 0x61, 0x20, 0xff), { maxLength: 10_000, size: "large" })
  .map((a) => Uint8Array.from(a));
const anyBytes = fc.oneof(lineBytes, fc.uint8Array({ maxLength: 500 }));

describe("toCanonicalCrlf (RFC 8551 §3.1.1)", () => {
  it("turns bare LF and lone CR into CRLF and leaves CRLF alone", () => {
    const cases: [string, string][] = [
      ["", ""],
      ["a\nb\n", "a\r\nb\r\n"],
      ["a\rb", "a\r\nb"],
      ["a\r\nb", "a\r\nb"],
      ["\r\r\n", "\r\n\r\n"],
      ["\n\r", "\r\n\r\n"],
      ["\r", "\r\n"],
      ["\n\n\n", "\r\n\r\n\r\n"],
      ["x\r\n\ny\r", "x\r\n\r\ny\r\n"],
    ];
    for (const [input, expected] of cases) expect(text(toCanonicalCrlf(b(input)))).toBe(expected);
  });

  it("returns the very same array when nothing changes", () => {
    const canonical = b("a\r\nb\r\n");
    expect(toCanonicalCrlf(canonical)).toBe(canonical);
  });

  it("converts dense line endings (the byte-loop path) and long mixed runs", () => {
    const dense = b(`${"\n".repeat(10_000)}x${"\r".repeat(5000)}${"\r\n".repeat(5000)}`);
    expect(text(toCanonicalCrlf(dense))).toBe(reference(dense));
  });

  it("matches the reference, is canonical, and is idempotent (property)", () => {
    fc.assert(
      fc.property(anyBytes, (input) => {
        const out = toCanonicalCrlf(input);
        expect(text(out)).toBe(reference(input));
        expect(isCanonical(out)).toBe(true);
        expect(toCanonicalCrlf(out)).toBe(out);
        expect(isCanonical(input)).toBe(reference(input) === text(input));
      }),
    );
  });

  it("works on plain Uint8Array views with an offset", () => {
    const backing = new Uint8Array([0x0a, 0x61, 0x0a, 0x62, 0x0a]);
    expect(text(toCanonicalCrlf(backing.subarray(1, 4)))).toBe("a\r\nb");
  });
});

describe("streaming canonicalisation", () => {
  const chunked = (input: Uint8Array, cuts: number[]): Uint8Array[] => {
    const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((x, y) => x - y);
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const p of [...points, input.length]) {
      chunks.push(input.subarray(from, p));
      from = p;
    }
    return chunks;
  };

  it("handles a CR at the end of one chunk and LF at the start of the next", () => {
    const c = new CrlfCanonicalizer();
    const out = [c.push(b("a\r")), c.push(b("\nb\r")), c.push(b("")), c.push(b("c\r")), c.flush()];
    expect(out.map(text).join("")).toBe("a\r\nb\r\nc\r\n");
  });

  it("gives the one-shot result for any chunking (property)", async () => {
    await fc.assert(
      fc.asyncProperty(anyBytes, fc.array(fc.nat(), { maxLength: 20 }), async (input, cuts) => {
        const parts: Uint8Array[] = [];
        for await (const part of canonicalizeChunks(chunked(input, cuts))) parts.push(part);
        expect(text(Buffer.concat(parts))).toBe(reference(input));
      }),
      { numRuns: 200 },
    );
  });
});
