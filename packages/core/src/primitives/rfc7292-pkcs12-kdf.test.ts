import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { iteratedHash } from "./iterated-hash.js";
import { bmpPassword, legacyBmpPassword, type Pkcs12KdfId, pkcs12Kdf } from "./pkcs12-kdf.js";

interface Vector {
  id: Pkcs12KdfId;
  iterations: number;
  password: string;
  salt: string;
  output: string;
}
const { vectors } = JSON.parse(
  readFileSync(join(import.meta.dirname, "test/vectors/pkcs12-kdf-drh.json"), "utf8"),
) as { vectors: Vector[] };
const hex = (s: string) => Buffer.from(s, "hex");

/** OpenSSL 3's own PKCS12KDF (crypto/kdfs/pkcs12kdf), given the already-formatted password bytes. */
function opensslKdf(
  digest: string,
  password: Uint8Array,
  salt: Uint8Array,
  id: number,
  iter: number,
  n: number,
) {
  const out = execFileSync("openssl", [
    "kdf",
    "-keylen",
    String(n),
    "-kdfopt",
    `digest:${digest}`,
    "-kdfopt",
    `hexpass:${Buffer.from(password).toString("hex")}`,
    "-kdfopt",
    `hexsalt:${Buffer.from(salt).toString("hex")}`,
    "-kdfopt",
    `iter:${iter}`,
    "-kdfopt",
    `id:${id}`,
    "PKCS12KDF",
  ]).toString();
  return out.replace(/[:\s]/g, "").toLowerCase();
}

describe("PKCS#12 KDF (RFC 7292 App. B.2)", () => {
  it.each(vectors)("DRH vector id=$id iter=$iterations salt=$salt", (v) => {
    const out = pkcs12Kdf("SHA-1", hex(v.password), hex(v.salt), v.id, v.iterations, v.output.length / 2);
    expect(out.toString("hex")).toBe(v.output.toLowerCase());
  });

  it("agrees with openssl's PKCS12KDF for SHA-1/224/256/384/512, odd lengths, empty password", () => {
    const cases: Array<[string, string, Uint8Array, number, number, number]> = [
      ["SHA-256", "SHA256", bmpPassword("pässwörd✓"), 3, 2048, 32],
      ["SHA-256", "SHA256", bmpPassword(""), 1, 5, 70],
      ["SHA-256", "SHA256", new Uint8Array(0), 2, 7, 16],
      ["SHA-384", "SHA384", bmpPassword("x".repeat(70)), 1, 3, 100],
      ["SHA-512", "SHA512", bmpPassword("secret"), 3, 2048, 64],
      ["SHA-1", "SHA1", bmpPassword("🔑"), 1, 2, 41],
      ["SHA-224", "SHA224", bmpPassword("abc"), 2, 9, 16],
    ];
    for (const [ours, theirs, password, id, iter, n] of cases) {
      const salt = randomBytes(5 + id);
      const got = pkcs12Kdf(ours, password, salt, id as Pkcs12KdfId, iter, n).toString("hex");
      expect(got, `${ours} id ${id}`).toBe(opensslKdf(theirs, password, salt, id, iter, n));
    }
  });

  it("formats passwords as BMPString with terminator, surrogate pairs, and the legacy UTF-8-bytes form", () => {
    expect(bmpPassword("smeg").toString("hex")).toBe("0073006d006500670000");
    expect(bmpPassword("").toString("hex")).toBe("0000");
    expect(bmpPassword("Ş🔑").toString("hex")).toBe("015ed83ddd110000");
    // "é" is UTF-8 c3 a9: the broken pre-1.1 OpenSSL form is 00c3 00a9 0000.
    expect(legacyBmpPassword("é").toString("hex")).toBe("00c300a90000");
  });
});

describe("iteratedHash fast paths", () => {
  it("equal createHash iterated, for any input and count (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("sha1", "sha256", "sha512", "sha384", "sha224"),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 300 }),
        (alg, input, iterations) => {
          let expected = createHash(alg).update(input).digest();
          for (let i = 1; i < iterations; i++) expected = createHash(alg).update(expected).digest();
          expect(iteratedHash(alg, input, iterations).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
