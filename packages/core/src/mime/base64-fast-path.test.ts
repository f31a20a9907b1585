import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Base64Decoder, Base64Encoder, base64Decode, base64Encode } from "./base64.js";

/**
 * The native fast paths of the streaming base64 codec (whole lines decoded by Node, lines laid
 * out with copyWithin) must be invisible: for any input, corrupted or not, and any chunking
 * (chunks of at least 1 KiB take the fast path; empty chunks too), the streaming decoder gives
 * base64Decode's bytes or its very error, and the streaming encoder base64Encode's bytes.
 */
const outcome = (fn: () => Uint8Array): string => {
  try {
    return Buffer.from(fn()).toString("hex");
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
};

function pieces(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    out.push(bytes.subarray(at, at + size)); // size 0: an empty chunk
    at += size;
  }
  return out;
}

const corruption = fc.constantFrom(
  "-",
  "_",
  "=",
  "==",
  " ",
  "\t",
  "!",
  "\u0080",
  "\u00ff",
  "\n",
  "\r",
  "\r\n",
  "A",
  "\u0000",
);

describe("Base64Decoder / Base64Encoder fast paths", () => {
  it("decode exactly like base64Decode, errors included (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 12_000, size: "max" }),
        fc.constantFrom(76, 64, 72, 4, 996),
        fc.constantFrom("\r\n", "\n", ""),
        fc.array(fc.tuple(fc.nat(), corruption), { maxLength: 3 }),
        fc.array(fc.oneof(fc.integer({ min: 1024, max: 5000 }), fc.constantFrom(0, 1, 3, 1500)), {
          minLength: 1,
          maxLength: 4,
        }),
        (data, width, eol, corruptions, sizes) => {
          let text = Buffer.from(base64Encode(data, width)).toString("latin1").replace(/\r\n/g, eol);
          for (const [at, junk] of corruptions) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + junk + text.slice(i);
          }
          const input = Buffer.from(text, "latin1");
          const want = outcome(() => base64Decode(input));
          const got = outcome(() => {
            const decoder = new Base64Decoder();
            const parts = pieces(input, sizes.some((s) => s > 0) ? sizes : [1024]).map((p) =>
              decoder.push(p),
            );
            return Buffer.concat([...parts, decoder.flush()]);
          });
          expect(got).toBe(want);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("encode exactly like base64Encode for any chunking, empty chunks included (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120_000, size: "max" }),
        fc.constantFrom(76, 64, 4, 996),
        fc.array(fc.oneof(fc.nat({ max: 70_000 }), fc.constantFrom(0, 1, 57)), {
          minLength: 1,
          maxLength: 4,
        }),
        (data, width, sizes) => {
          const encoder = new Base64Encoder(width);
          const parts = pieces(data, sizes.some((s) => s > 0) ? sizes : [57]).map((p) => encoder.push(p));
          const streamed = Buffer.concat([...parts, encoder.flush()]);
          expect(streamed.equals(Buffer.from(base64Encode(data, width)))).toBe(true);
          const lines = streamed.toString("latin1").split("\r\n");
          expect(lines.pop()).toBe("");
          expect(lines.join("")).toBe(Buffer.from(data).toString("base64"));
          expect(lines.slice(0, -1).every((l) => l.length === width)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
