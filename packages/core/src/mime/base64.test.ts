import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCoreError } from "../errors.js";
import {
  Base64Decoder,
  Base64Encoder,
  base64Decode,
  base64DecodeChunks,
  base64Encode,
  base64EncodeChunks,
} from "./base64.js";

const text = (u: Uint8Array): string => Buffer.from(u).toString("latin1");
const chunked = (input: Uint8Array, cuts: number[]): Uint8Array[] => {
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, input.length]) {
    out.push(input.subarray(from, p));
    from = p;
  }
  return out;
};
const collect = async (it: AsyncIterable<Uint8Array>): Promise<Buffer> => {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
};

describe("base64 (RFC 2045 §6.8, RFC 4648 §10 vectors)", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "Zg=="],
    ["fo", "Zm8="],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg=="],
    ["fooba", "Zm9vYmE="],
    ["foobar", "Zm9vYmFy"],
  ];

  it("encodes and decodes the RFC 4648 vectors", () => {
    for (const [plain, encoded] of vectors) {
      expect(text(base64Encode(Buffer.from(plain)))).toBe(encoded === "" ? "" : `${encoded}\r\n`);
      expect(text(base64Decode(encoded))).toBe(plain);
    }
  });

  it("wraps at 76 columns with CRLF, the last line too", () => {
    const out = text(base64Encode(new Uint8Array(100)));
    const lines = out.split("\r\n");
    expect(lines.map((l) => l.length)).toEqual([76, 60, 0]);
    expect(text(base64Encode(new Uint8Array(57)))).toMatch(/^A{76}\r\n$/);
    expect(text(base64Encode(new Uint8Array(6), 4))).toBe("AAAA\r\nAAAA\r\n");
    expect(() => base64Encode(new Uint8Array(1), 75)).toThrow(
      expect.objectContaining({ code: "invalid-argument" }),
    );
  });

  it("ignores whitespace and line breaks anywhere, and tolerates missing padding", () => {
    expect(text(base64Decode("Zm9v\r\nYmFy\n"))).toBe("foobar");
    expect(text(base64Decode(" Z m 9\tv Y g = = \r\n"))).toBe("foob");
    expect(text(base64Decode("Zm9vYg"))).toBe("foob");
    expect(text(base64Decode("Zm9vYmE"))).toBe("fooba");
  });

  it("rejects garbage and bad padding with CoreError(malformed)", () => {
    const bad: [string, RegExp][] = [
      ["Zm9v-YmFy", /unexpected byte 0x2d at offset 4/],
      ["Zm9v.", /unexpected byte 0x2e/],
      ["Zm9v\u00e9", /unexpected byte 0xc3/],
      ["Zg==Zg==", /data after padding/],
      ["Zg=a", /data after padding/],
      ["Z===", /misplaced padding/],
      ["Zm9v=", /misplaced padding/],
      ["Zg=", /incomplete padding/],
      ["Zm9vY", /one dangling character/],
      ["=", /misplaced padding/],
      ["Zm9v\u000bYmFy", /unexpected byte 0x0b/],
    ];
    for (const [input, message] of bad) {
      expect(() => base64Decode(input), input).toThrow(message);
      expect(() => {
        const d = new Base64Decoder();
        for (const ch of Buffer.from(input)) d.push(Uint8Array.of(ch));
        d.flush();
      }, input).toThrow(message);
    }
  });

  it("round-trips any bytes, with any whitespace, in one shot and in chunks (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(" ", "\t", "\r\n", "\n")), { maxLength: 8 }),
        async (data, cuts, spaces) => {
          const encoded = base64Encode(data);
          expect(text(encoded).replace(/\r\n/g, "")).toBe(Buffer.from(data).toString("base64"));
          expect(Buffer.from(base64Decode(encoded)).equals(Buffer.from(data))).toBe(true);
          let spaced = text(encoded);
          for (const [at, ws] of spaces) {
            const i = at % (spaced.length + 1);
            spaced = spaced.slice(0, i) + ws + spaced.slice(i);
          }
          const spacedBytes = Buffer.from(spaced, "latin1");
          expect(Buffer.from(base64Decode(spacedBytes)).equals(Buffer.from(data))).toBe(true);
          expect(
            (await collect(base64DecodeChunks(chunked(spacedBytes, cuts)))).equals(Buffer.from(data)),
          ).toBe(true);
          expect((await collect(base64EncodeChunks(chunked(data, cuts)))).equals(Buffer.from(encoded))).toBe(
            true,
          );
        },
      ),
    );
  });

  it("never throws anything but a CoreError on arbitrary input (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (input) => {
        try {
          base64Decode(input);
        } catch (error) {
          expect(isCoreError(error, "malformed")).toBe(true);
        }
      }),
    );
  });

  it("streams a large body through the encoder in uneven chunks", () => {
    const data = Buffer.alloc(1_000_003, 7);
    const encoder = new Base64Encoder();
    const parts = [encoder.push(data.subarray(0, 1000)), encoder.push(data.subarray(1000)), encoder.flush()];
    expect(Buffer.concat(parts).equals(Buffer.from(base64Encode(data)))).toBe(true);
  });
});
