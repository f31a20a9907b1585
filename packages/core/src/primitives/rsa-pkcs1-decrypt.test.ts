import {
  constants,
  createHash,
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCoreError } from "../errors.js";
import { rsaPkcs1v15Decrypt, rsaPkcs1v15DecryptFixed } from "./rsa-pkcs1-decrypt.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const K = 256;

/** Raw RSA encryption of an arbitrary EM (k bytes, < n): how we build Wycheproof-style bad paddings. */
const rawEncrypt = (em: Uint8Array) =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, em);
const pkcs1Encrypt = (m: Uint8Array) =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, m);

/**
 * A deliberately plain reference model of draft-irtf-cfrg-rsa-guidance's implicit rejection,
 * written straight from the text (branches, indexOf, slice): the constant-time code must agree.
 */
function reference(key: KeyObject, ciphertext: Uint8Array): Buffer {
  const c = Buffer.concat([Buffer.alloc(K - ciphertext.length), ciphertext]);
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, c);
  if (em[0] === 0 && em[1] === 2) {
    const sep = em.indexOf(0, 2);
    if (sep >= 10) return em.subarray(sep + 1);
  }
  const d = Buffer.from(key.export({ format: "jwk" }).d as string, "base64url");
  const kdk = createHmac(
    "sha256",
    createHash("sha256")
      .update(Buffer.concat([Buffer.alloc(K - d.length), d]))
      .digest(),
  )
    .update(c)
    .digest();
  const prf = (label: string, bits: number) => {
    const blocks: Buffer[] = [];
    for (let i = 0; blocks.length * 32 < bits / 8; i++) {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(i);
      const tail = Buffer.alloc(2);
      tail.writeUInt16BE(bits);
      blocks.push(createHmac("sha256", kdk).update(head).update(label).update(tail).digest());
    }
    return Buffer.concat(blocks).subarray(0, bits / 8);
  };
  const synthetic = prf("message", K * 8);
  const lengths = prf("length", 128 * 16);
  const max = K - 10;
  let mask = max;
  for (const s of [1, 2, 4, 8]) mask |= mask >> s;
  let length = 0;
  for (let i = 0; i < 256; i += 2) {
    const candidate = lengths.readUInt16BE(i) & mask;
    if (candidate < max) length = candidate;
  }
  return synthetic.subarray(K - length);
}

function em(parts: { head?: number[]; psLength: number; psByte?: number; message: Uint8Array }): Buffer {
  const out = Buffer.alloc(K);
  const head = parts.head ?? [0x00, 0x02];
  out.set(head, 0);
  out.fill(parts.psByte ?? 0x5a, 2, 2 + parts.psLength);
  out[2 + parts.psLength] = 0;
  out.set(parts.message, 3 + parts.psLength);
  return out.subarray(0, 3 + parts.psLength + parts.message.length);
}

describe("RSA PKCS#1 v1.5 decryption with implicit rejection", () => {
  it("returns the real message for valid ciphertexts of every length class", () => {
    for (const length of [0, 1, 16, 24, 32, 100, K - 11]) {
      const m = randomBytes(length);
      expect(rsaPkcs1v15Decrypt(privateKey, pkcs1Encrypt(m)).equals(m)).toBe(true);
    }
  });

  it("accepts a ciphertext whose leading zero bytes were dropped", () => {
    // A ciphertext below 2^(8(k-1)) has a leading zero: about one in 128 to 256 draws.
    const m = randomBytes(32);
    let c = pkcs1Encrypt(m);
    for (let tries = 1; c[0] !== 0; tries++) {
      expect(tries).toBeLessThan(20_000);
      c = pkcs1Encrypt(m);
    }
    expect(rsaPkcs1v15Decrypt(privateKey, c.subarray(1)).equals(m)).toBe(true);
  });

  it("corrupted ciphertexts give the synthetic message: deterministic, per-ciphertext, equal to the reference model", () => {
    const c = pkcs1Encrypt(randomBytes(32));
    fc.assert(
      fc.property(fc.nat(K * 8 - 1), (bit) => {
        const bad = Buffer.from(c);
        bad[bit >> 3] = (bad[bit >> 3] as number) ^ (0x80 >> (bit & 7));
        let first: Buffer;
        try {
          first = rsaPkcs1v15Decrypt(privateKey, bad);
        } catch (error) {
          // Only the public "C ≥ n" case may fail fast; flipping the top bit can cause it.
          expect(isCoreError(error, "decryption-failed")).toBe(true);
          return;
        }
        const again = rsaPkcs1v15Decrypt(privateKey, bad);
        expect(first.equals(again)).toBe(true);
        expect(first.equals(reference(privateKey, bad))).toBe(true);
        expect(first.length).toBeLessThanOrEqual(K - 10);
      }),
      { numRuns: 40 },
    );
  });

  it("different bad ciphertexts give different synthetic messages", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const out = rsaPkcs1v15Decrypt(
        privateKey,
        rawEncrypt(em({ head: [0x00, 0x01], psLength: K - 35, message: randomBytes(32) })),
      );
      seen.add(out.toString("hex"));
    }
    expect(seen.size).toBe(20);
  });

  // Wycheproof-style invalid paddings (cf. rsa_pkcs1_2048_test.json flags InvalidPkcs1Padding),
  // constructed here with raw RSA over chosen EMs.
  const message = Buffer.from("00112233445566778899aabbccddeeff", "hex");
  const cases: Array<{ name: string; block: Buffer; valid: boolean }> = [
    { name: "well-formed", block: em({ psLength: K - 3 - 16, message }), valid: true },
    { name: "first byte 01", block: em({ head: [0x01, 0x02], psLength: K - 19, message }), valid: false },
    {
      name: "block type 01 (signature)",
      block: em({ head: [0x00, 0x01], psLength: K - 19, psByte: 0xff, message }),
      valid: false,
    },
    { name: "block type 00", block: em({ head: [0x00, 0x00], psLength: K - 19, message }), valid: false },
    { name: "block type 03", block: em({ head: [0x00, 0x03], psLength: K - 19, message }), valid: false },
    {
      name: "no zero separator",
      block: Buffer.concat([Buffer.from([0, 2]), Buffer.alloc(K - 2, 0x33)]),
      valid: false,
    },
    { name: "PS of 7 bytes", block: em({ psLength: 7, message: randomBytes(K - 10) }), valid: false },
    { name: "PS of 0 bytes", block: em({ psLength: 0, message: randomBytes(K - 3) }), valid: false },
    {
      name: "PS of exactly 8 bytes (boundary, valid)",
      block: em({ psLength: 8, message: Buffer.alloc(K - 11, 7) }),
      valid: true,
    },
    {
      name: "empty message (zero at the end, valid)",
      block: em({ psLength: K - 3, message: Buffer.alloc(0) }),
      valid: true,
    },
  ];
  for (const block of cases) expect(block.block.length).toBe(K);

  it.each(cases)("$name", ({ block, valid }) => {
    const c = rawEncrypt(block);
    const out = rsaPkcs1v15Decrypt(privateKey, c);
    const ref = reference(privateKey, c);
    expect(out.equals(ref)).toBe(true);
    if (valid) expect(out.equals(block.subarray(block.indexOf(0, 2) + 1))).toBe(true);
    const fixed = rsaPkcs1v15DecryptFixed(privateKey, c, 16);
    expect(fixed.length).toBe(16);
    const realSixteen = valid && out.length === 16;
    if (realSixteen) expect(fixed.equals(message)).toBe(true);
    else expect(fixed.equals(message)).toBe(false);
  });

  it("the fixed-length CMS variant always returns the expected length, deterministically", () => {
    // The wrong-key case below needs a ciphertext under the other key's modulus too: one at or
    // above it is publicly invalid and refused at once (RFC 8017 §5.1.2). Draw ciphertexts, not
    // keys: each try fits with probability over one half, where a fresh key per try could take
    // hours when the ciphertext lies near the top of the first modulus.
    const asNumber = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex")}`);
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const otherModulus = asNumber(Buffer.from(other.export({ format: "jwk" }).n as string, "base64url"));
    const cek = randomBytes(32);
    let good = pkcs1Encrypt(cek);
    for (let tries = 1; asNumber(good) >= otherModulus; tries++) {
      expect(tries).toBeLessThan(200);
      good = pkcs1Encrypt(cek);
    }
    expect(rsaPkcs1v15DecryptFixed(privateKey, good, 32).equals(cek)).toBe(true);
    // Right key, wrong expected length: substitute bytes of the right length, same every time.
    const wrong = rsaPkcs1v15DecryptFixed(privateKey, good, 16);
    expect(wrong.length).toBe(16);
    expect(wrong.equals(cek.subarray(16))).toBe(false);
    expect(wrong.equals(rsaPkcs1v15DecryptFixed(privateKey, good, 16))).toBe(true);
    // Wrong key: no exception, right length.
    expect(rsaPkcs1v15DecryptFixed(other, good, 32).length).toBe(32);
  });

  it("per-key material is kept per KeyObject: a fresh copy of the key and another key agree with the reference", () => {
    // Pins the WeakMap cache of SHA256(d): a hit, a miss on an equal key, and a second key interleaved.
    const bad = rawEncrypt(em({ head: [0x00, 0x01], psLength: K - 35, message: randomBytes(32) }));
    const copy = createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" }));
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const want = reference(privateKey, bad);
    for (let round = 0; round < 2; round++) {
      expect(rsaPkcs1v15Decrypt(privateKey, bad).equals(want)).toBe(true);
      expect(rsaPkcs1v15Decrypt(copy, bad).equals(want)).toBe(true);
      let otherOut: Buffer | undefined;
      try {
        otherOut = rsaPkcs1v15Decrypt(other, bad);
      } catch (error) {
        expect(isCoreError(error, "decryption-failed")).toBe(true); // C ≥ n under the other modulus
      }
      if (otherOut) expect(otherOut.equals(reference(other, bad))).toBe(true);
    }
  });

  it("fails fast only on publicly invalid input", () => {
    expect(() => rsaPkcs1v15Decrypt(privateKey, randomBytes(K + 1))).toThrow(
      "the message could not be decrypted",
    );
    expect(() => rsaPkcs1v15Decrypt(privateKey, Buffer.alloc(K, 0xff))).toThrow(
      "the message could not be decrypted",
    );
    expect(() => rsaPkcs1v15DecryptFixed(publicKey, randomBytes(K), 16)).toThrow(/RSA private key/);
  });
});
