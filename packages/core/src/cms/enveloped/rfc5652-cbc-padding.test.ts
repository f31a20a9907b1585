import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CipherName, cipherByName } from "../../algorithms.js";
import { isCoreError } from "../../errors.js";
import { createContentDecipher } from "./content-algorithm.js";

/**
 * RFC 5652 §6.3 PKCS#7 unpadding, done by core (not OpenSSL) so that a bad pad costs what a good
 * one does: for any last block, core accepts exactly what OpenSSL's own unpadding accepts and
 * returns the same bytes, whatever the chunking.
 */
function openssl(name: string, key: Buffer, iv: Buffer, ct: Buffer): Buffer | "bad" {
  try {
    const d = createDecipheriv(name, key, iv);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    return "bad";
  }
}

function ours(cipher: CipherName, key: Buffer, iv: Buffer, ct: Buffer, cut: number): Buffer | "bad" {
  const info = cipherByName(cipher);
  if (!info) throw new Error(cipher);
  try {
    const d = createContentDecipher({ cipher: info, iv, icvLength: undefined }, key);
    const at = Math.min(cut, ct.length);
    return Buffer.concat([d.update(ct.subarray(0, at)), d.update(ct.subarray(at)), d.final()]);
  } catch (error) {
    if (isCoreError(error, "decryption-failed")) return "bad";
    throw error;
  }
}

describe("CBC unpadding (RFC 5652 §6.3) agrees with OpenSSL's", () => {
  const ciphers: [CipherName, string, number, number][] = [
    ["AES-256-CBC", "aes-256-cbc", 32, 16],
    ["AES-128-CBC", "aes-128-cbc", 16, 16],
    ["3DES-CBC", "des-ede3-cbc", 24, 8],
  ];
  it.each(ciphers)("%s: any last block, any pad byte, any chunking", (cipher, node, keyLength, block) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.uint8Array({ minLength: block, maxLength: block }),
        fc.integer({ min: 0, max: block + 2 }),
        fc.integer({ min: 0, max: block }),
        fc.integer({ min: 0, max: 6 * block }),
        (blocks, tail, pad, corrupt, cut) => {
          const last = Buffer.from(tail);
          // mostly well-formed pads (pad bytes equal to the pad length), some broken in one place
          for (let i = block - Math.min(pad, block); i < block; i++) last[i] = pad;
          if (corrupt < block && corrupt % 3 === 0) last[corrupt] = (last[corrupt] as number) ^ 0x01;
          const plain = Buffer.concat([randomBytes(blocks * block), last]);
          const key = randomBytes(keyLength);
          const iv = randomBytes(block);
          const c = createCipheriv(node, key, iv).setAutoPadding(false);
          const ct = Buffer.concat([c.update(plain), c.final()]);
          const expected = openssl(node, key, iv, ct);
          const got = ours(cipher, key, iv, ct, cut);
          expect(got === "bad" ? "bad" : got.toString("hex")).toBe(
            expected === "bad" ? "bad" : expected.toString("hex"),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it("a ciphertext that is empty or not whole blocks is the same decryption failure", () => {
    const key = randomBytes(32);
    const iv = randomBytes(16);
    expect(ours("AES-256-CBC", key, iv, Buffer.alloc(0), 0)).toBe("bad");
    expect(ours("AES-256-CBC", key, iv, randomBytes(31), 7)).toBe("bad");
  });
});
