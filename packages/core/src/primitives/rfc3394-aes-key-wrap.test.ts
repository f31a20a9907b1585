import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCoreError } from "../errors.js";
import { aesKeyUnwrap, aesKeyWrap } from "./aes-key-wrap.js";

const { vectors } = JSON.parse(
  readFileSync(join(import.meta.dirname, "test/vectors/rfc3394-aes-key-wrap.json"), "utf8"),
) as { vectors: { section: string; kek: string; key: string; wrapped: string }[] };
const hex = (s: string) => Buffer.from(s, "hex");

describe("AES key wrap (RFC 3394)", () => {
  it.each(vectors)("§$section wraps and unwraps", ({ kek, key, wrapped }) => {
    expect(aesKeyWrap(hex(kek), hex(key)).toString("hex")).toBe(wrapped.toLowerCase());
    expect(aesKeyUnwrap(hex(kek), hex(wrapped)).toString("hex")).toBe(key.toLowerCase());
  });

  it("any flipped bit or wrong KEK fails with the uniform decryption-failed error", () => {
    const v = vectors[2] as (typeof vectors)[number];
    fc.assert(
      fc.property(fc.nat(hex(v.wrapped).length * 8 - 1), (bit) => {
        const bad = hex(v.wrapped);
        bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
        let error: unknown;
        try {
          aesKeyUnwrap(hex(v.kek), bad);
        } catch (e) {
          error = e;
        }
        expect(isCoreError(error, "decryption-failed")).toBe(true);
        expect((error as Error).message).toBe("the message could not be decrypted");
      }),
    );
    expect(() => aesKeyUnwrap(randomBytes(32), hex(v.wrapped))).toThrow("the message could not be decrypted");
    expect(() => aesKeyUnwrap(hex(v.kek), hex(v.wrapped).subarray(0, 16))).toThrow(
      "the message could not be decrypted",
    );
  });

  it("rejects misuse: bad KEK sizes and key data that is not n×8 bytes", () => {
    expect(() => aesKeyWrap(randomBytes(20), randomBytes(16))).toThrow(/KEK must be/);
    expect(() => aesKeyWrap(randomBytes(16), randomBytes(12))).toThrow(/key data/);
  });
});
