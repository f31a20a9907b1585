import { createHash } from "node:crypto";
import { CoreError } from "../errors.js";

/**
 * H^r(input): hash the input, then hash the digest r-1 more times. This is the inner loop of
 * the PKCS#12 KDF (RFC 7292 App. B.2 step 6a), which node:crypto does not offer natively
 * (pbkdf2 is HMAC-based). A createHash() object per iteration costs ~1.3–1.5 µs, so a
 * 600,000-iteration NSS file spends ~1 s per derived block. For SHA-1 and SHA-256 the
 * re-hash of a digest is one compression of a fixed, already-padded block (FIPS 180-4
 * §5.1.1, §6.1.2, §6.2.2), done here on 32-bit words with no allocation per iteration;
 * other digests fall back to createHash. The first hash (arbitrary length) always uses
 * node:crypto, and tests compare every path against it.
 */
export function iteratedHash(nodeDigest: string, input: Uint8Array, iterations: number): Buffer {
  if (!Number.isSafeInteger(iterations) || iterations < 1)
    throw new CoreError("invalid-argument", `iteration count must be ≥ 1, got ${iterations}`);
  let digest = createHash(nodeDigest).update(input).digest();
  if (iterations === 1) return digest;
  if (nodeDigest === "sha1") return sha1Iterate(digest, iterations - 1);
  if (nodeDigest === "sha256") return sha256Iterate(digest, iterations - 1);
  for (let i = 1; i < iterations; i++) digest = createHash(nodeDigest).update(digest).digest();
  return digest;
}

function readWords(bytes: Uint8Array, count: number): Int32Array {
  const words = new Int32Array(count);
  for (let i = 0; i < count; i++)
    words[i] =
      ((bytes[4 * i] as number) << 24) |
      ((bytes[4 * i + 1] as number) << 16) |
      ((bytes[4 * i + 2] as number) << 8) |
      (bytes[4 * i + 3] as number);
  return words;
}

function writeWords(words: Int32Array): Buffer {
  const out = Buffer.allocUnsafe(words.length * 4);
  for (let i = 0; i < words.length; i++) out.writeInt32BE(words[i] as number, 4 * i);
  return out;
}

/** SHA-1 of a 20-byte message, `times` times over (FIPS 180-4 §6.1.2). */
function sha1Iterate(first: Uint8Array, times: number): Buffer {
  const h = readWords(first, 5);
  const w = new Int32Array(80);
  for (let n = 0; n < times; n++) {
    // One padded block: the 160-bit digest, 0x80, zeros, bit length 160.
    w[0] = h[0] as number;
    w[1] = h[1] as number;
    w[2] = h[2] as number;
    w[3] = h[3] as number;
    w[4] = h[4] as number;
    w[5] = 0x80000000 | 0;
    for (let t = 6; t < 15; t++) w[t] = 0;
    w[15] = 160;
    for (let t = 16; t < 80; t++) {
      const x = (w[t - 3] as number) ^ (w[t - 8] as number) ^ (w[t - 14] as number) ^ (w[t - 16] as number);
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = 0x67452301 | 0;
    let b = 0xefcdab89 | 0;
    let c = 0x98badcfe | 0;
    let d = 0x10325476 | 0;
    let e = 0xc3d2e1f0 | 0;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + (w[t] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h[0] = (0x67452301 + a) | 0;
    h[1] = (0xefcdab89 + b) | 0;
    h[2] = (0x98badcfe + c) | 0;
    h[3] = (0x10325476 + d) | 0;
    h[4] = (0xc3d2e1f0 + e) | 0;
  }
  const out = writeWords(h);
  h.fill(0);
  w.fill(0);
  return out;
}

// biome-ignore format: FIPS 180-4 §4.2.2, 8 per row
const K256 = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// biome-ignore format: FIPS 180-4 §5.3.3
const H256 = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** SHA-256 of a 32-byte message, `times` times over (FIPS 180-4 §6.2.2). */
function sha256Iterate(first: Uint8Array, times: number): Buffer {
  const h = readWords(first, 8);
  const w = new Int32Array(64);
  for (let n = 0; n < times; n++) {
    for (let t = 0; t < 8; t++) w[t] = h[t] as number;
    w[8] = 0x80000000 | 0;
    for (let t = 9; t < 15; t++) w[t] = 0;
    w[15] = 256;
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15] as number;
      const y = w[t - 2] as number;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = ((w[t - 16] as number) + s0 + (w[t - 7] as number) + s1) | 0;
    }
    let a = H256[0] as number;
    let b = H256[1] as number;
    let c = H256[2] as number;
    let d = H256[3] as number;
    let e = H256[4] as number;
    let f = H256[5] as number;
    let g = H256[6] as number;
    let hh = H256[7] as number;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + (K256[t] as number) + (w[t] as number)) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = ((H256[0] as number) + a) | 0;
    h[1] = ((H256[1] as number) + b) | 0;
    h[2] = ((H256[2] as number) + c) | 0;
    h[3] = ((H256[3] as number) + d) | 0;
    h[4] = ((H256[4] as number) + e) | 0;
    h[5] = ((H256[5] as number) + f) | 0;
    h[6] = ((H256[6] as number) + g) | 0;
    h[7] = ((H256[7] as number) + hh) | 0;
  }
  const out = writeWords(h);
  h.fill(0);
  w.fill(0);
  return out;
}
