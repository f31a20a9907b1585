import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CoreError } from "../errors.js";
import {
  createRc2Cipheriv,
  createRc2Decipheriv,
  type Rc2Stream,
  rc2DecryptBlock,
  rc2EncryptBlock,
} from "./rc2.js";

interface Vector {
  key: string;
  bits: number;
  plaintext: string;
  ciphertext: string;
}
const { vectors } = JSON.parse(
  readFileSync(join(import.meta.dirname, "test/vectors/rfc2268-rc2.json"), "utf8"),
) as { vectors: Vector[] };
const hex = (s: string) => Buffer.from(s, "hex");

/** Feeds `data` through a stream in the given chunk sizes (cycled), then final(). */
function pump(stream: Rc2Stream, data: Uint8Array, chunks: number[]): Buffer {
  const out: Buffer[] = [];
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = Math.max(0, chunks[i % chunks.length] ?? 1);
    out.push(stream.update(data.subarray(offset, offset + size)));
    offset += size;
  }
  out.push(stream.final());
  return Buffer.concat(out);
}

function opensslEnc(cipher: string, key: Buffer, iv: Buffer, input: Buffer, decrypt = false): Buffer {
  return execFileSync(
    "openssl",
    [
      "enc",
      `-${cipher}`,
      ...(decrypt ? ["-d"] : []),
      "-K",
      key.toString("hex"),
      "-iv",
      iv.toString("hex"),
      "-provider",
      "legacy",
      "-provider",
      "default",
    ],
    { input },
  );
}

describe("RC2 block (RFC 2268 §5)", () => {
  it.each(vectors)("vector key=$key T1=$bits", (v) => {
    expect(Buffer.from(rc2EncryptBlock(hex(v.key), v.bits, hex(v.plaintext))).toString("hex")).toBe(
      v.ciphertext,
    );
    expect(Buffer.from(rc2DecryptBlock(hex(v.key), v.bits, hex(v.ciphertext))).toString("hex")).toBe(
      v.plaintext,
    );
  });

  it("has all 8 vectors (6 and 7 differ only in T1)", () => {
    expect(vectors).toHaveLength(8);
  });

  it("rejects bad key, bit and block sizes as misuse", () => {
    const block = new Uint8Array(8);
    expect(() => rc2EncryptBlock(new Uint8Array(0), 40, block)).toThrow(CoreError);
    expect(() => rc2EncryptBlock(new Uint8Array(129), 40, block)).toThrow(CoreError);
    expect(() => rc2EncryptBlock(new Uint8Array(5), 0, block)).toThrow(CoreError);
    expect(() => rc2EncryptBlock(new Uint8Array(5), 1025, block)).toThrow(CoreError);
    expect(() => rc2EncryptBlock(new Uint8Array(5), 40, new Uint8Array(7))).toThrow(CoreError);
    expect(() => createRc2Cipheriv(new Uint8Array(5), 40, new Uint8Array(16))).toThrow(CoreError);
  });
});

describe("RC2-CBC streams", () => {
  it("round-trips any data in any chunking (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 128 }),
        fc.integer({ min: 1, max: 1024 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
        (key, bits, iv, data, encChunks, decChunks) => {
          const ct = pump(createRc2Cipheriv(key, bits, iv), data, [...encChunks, 7]);
          expect(ct.length).toBe((Math.floor(data.length / 8) + 1) * 8);
          const pt = pump(createRc2Decipheriv(key, bits, iv), ct, decChunks);
          expect(Buffer.compare(pt, Buffer.from(data))).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("matches openssl enc -rc2-40-cbc / -rc2-64-cbc / -rc2-cbc both ways", () => {
    const cases: Array<[string, number, number]> = [
      ["rc2-40-cbc", 5, 40],
      ["rc2-64-cbc", 8, 64],
      ["rc2-cbc", 16, 128],
    ];
    for (const [name, keyLength, bits] of cases) {
      for (const size of [0, 1, 7, 8, 9, 1000, 4096 + 3]) {
        const key = randomBytes(keyLength);
        const iv = randomBytes(8);
        const data = randomBytes(size);
        const theirs = opensslEnc(name, key, iv, data);
        const ours = pump(createRc2Cipheriv(key, bits, iv), data, [13, 8, 1]);
        expect(ours.toString("hex")).toBe(theirs.toString("hex"));
        expect(pump(createRc2Decipheriv(key, bits, iv), theirs, [5, 16, 3]).equals(data)).toBe(true);
        expect(opensslEnc(name, key, iv, ours, true).equals(data)).toBe(true);
      }
    }
  });

  it("final() checks every pad byte and the length", () => {
    const key = randomBytes(16);
    const iv = randomBytes(8);
    const enc = (data: Uint8Array) => pump(createRc2Cipheriv(key, 128, iv), data, [64]);
    // 13 bytes of data: the last block ends with the pad 03 03 03. A ciphertext byte of block 1
    // XORs into the same position of block 2's plaintext, so these flips hit the pad bytes exactly.
    const ct = enc(Buffer.alloc(13, 0x41)); // 16 bytes: pad is 03 03 03
    const flips: Array<[number, string]> = [
      [7 - 0, "last pad byte"],
      [7 - 1, "second pad byte"],
      [7 - 2, "third pad byte"],
    ];
    for (const [pos, label] of flips) {
      const bad = Buffer.from(ct);
      bad[pos] = (bad[pos] as number) ^ 0x04; // first block's byte XORs into the last block's plaintext
      const dec = createRc2Decipheriv(key, 128, iv);
      dec.update(bad);
      expect(() => dec.final(), label).toThrow(expect.objectContaining({ code: "decryption-failed" }));
    }
    const short = createRc2Decipheriv(key, 128, iv);
    short.update(ct.subarray(0, 15));
    expect(() => short.final()).toThrow(expect.objectContaining({ code: "decryption-failed" }));
    const empty = createRc2Decipheriv(key, 128, iv);
    expect(() => empty.final()).toThrow(expect.objectContaining({ code: "decryption-failed" }));
    // Flipping a plaintext byte (not pad) in block 1 still decrypts: proves the check is on pad bytes only.
    const ok = Buffer.from(ct);
    ok[0] = (ok[0] as number) ^ 1;
    const dec = createRc2Decipheriv(key, 128, iv);
    const out = Buffer.concat([dec.update(ok), dec.final()]);
    expect(out.length).toBe(13);
  });

  it("refuses use after final()", () => {
    const c = createRc2Cipheriv(randomBytes(5), 40, randomBytes(8));
    c.final();
    expect(() => c.update(new Uint8Array(1))).toThrow(CoreError);
    expect(() => c.final()).toThrow(CoreError);
  });

  it("decrypts 8 MiB in well under a second per MiB", () => {
    const key = randomBytes(16);
    const iv = randomBytes(8);
    const data = randomBytes(8 * 1024 * 1024);
    const ct = pump(createRc2Cipheriv(key, 128, iv), data, [1 << 20]);
    const started = performance.now();
    const pt = pump(createRc2Decipheriv(key, 128, iv), ct, [65536]);
    const ms = performance.now() - started;
    expect(pt.equals(data)).toBe(true);
    expect(ms).toBeLessThan(8 * 1000);
  });
});
