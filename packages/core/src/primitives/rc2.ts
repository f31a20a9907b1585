import { CoreError } from "../errors.js";

/**
 * RC2 (RFC 2268) in CBC mode with PKCS#7 padding, for reading legacy CMS (RFC 3370 §5.2)
 * and PKCS#12 (RFC 7292 App. C) objects: node:crypto on OpenSSL 3 has no RC2 without the
 * legacy provider. Decrypt is what Sealbox needs; encrypt exists for tests and round trips.
 * The block loop works on 16-bit words held in locals, over whole buffers, with no
 * per-block allocation (RC2 is slow by design; this runs at tens of MB/s).
 */

/** RFC 2268 §2: PITABLE, a permutation of 0..255 from the digits of π (copied, not retyped). */
// biome-ignore format: 16 per row, as in the RFC
const PITABLE = Uint8Array.from([
  0xd9, 0x78, 0xf9, 0xc4, 0x19, 0xdd, 0xb5, 0xed, 0x28, 0xe9, 0xfd, 0x79, 0x4a, 0xa0, 0xd8, 0x9d,
  0xc6, 0x7e, 0x37, 0x83, 0x2b, 0x76, 0x53, 0x8e, 0x62, 0x4c, 0x64, 0x88, 0x44, 0x8b, 0xfb, 0xa2,
  0x17, 0x9a, 0x59, 0xf5, 0x87, 0xb3, 0x4f, 0x13, 0x61, 0x45, 0x6d, 0x8d, 0x09, 0x81, 0x7d, 0x32,
  0xbd, 0x8f, 0x40, 0xeb, 0x86, 0xb7, 0x7b, 0x0b, 0xf0, 0x95, 0x21, 0x22, 0x5c, 0x6b, 0x4e, 0x82,
  0x54, 0xd6, 0x65, 0x93, 0xce, 0x60, 0xb2, 0x1c, 0x73, 0x56, 0xc0, 0x14, 0xa7, 0x8c, 0xf1, 0xdc,
  0x12, 0x75, 0xca, 0x1f, 0x3b, 0xbe, 0xe4, 0xd1, 0x42, 0x3d, 0xd4, 0x30, 0xa3, 0x3c, 0xb6, 0x26,
  0x6f, 0xbf, 0x0e, 0xda, 0x46, 0x69, 0x07, 0x57, 0x27, 0xf2, 0x1d, 0x9b, 0xbc, 0x94, 0x43, 0x03,
  0xf8, 0x11, 0xc7, 0xf6, 0x90, 0xef, 0x3e, 0xe7, 0x06, 0xc3, 0xd5, 0x2f, 0xc8, 0x66, 0x1e, 0xd7,
  0x08, 0xe8, 0xea, 0xde, 0x80, 0x52, 0xee, 0xf7, 0x84, 0xaa, 0x72, 0xac, 0x35, 0x4d, 0x6a, 0x2a,
  0x96, 0x1a, 0xd2, 0x71, 0x5a, 0x15, 0x49, 0x74, 0x4b, 0x9f, 0xd0, 0x5e, 0x04, 0x18, 0xa4, 0xec,
  0xc2, 0xe0, 0x41, 0x6e, 0x0f, 0x51, 0xcb, 0xcc, 0x24, 0x91, 0xaf, 0x50, 0xa1, 0xf4, 0x70, 0x39,
  0x99, 0x7c, 0x3a, 0x85, 0x23, 0xb8, 0xb4, 0x7a, 0xfc, 0x02, 0x36, 0x5b, 0x25, 0x55, 0x97, 0x31,
  0x2d, 0x5d, 0xfa, 0x98, 0xe3, 0x8a, 0x92, 0xae, 0x05, 0xdf, 0x29, 0x10, 0x67, 0x6c, 0xba, 0xc9,
  0xd3, 0x00, 0xe6, 0xcf, 0xe1, 0x9e, 0xa8, 0x2c, 0x63, 0x16, 0x01, 0x3f, 0x58, 0xe2, 0x89, 0xa9,
  0x0d, 0x38, 0x34, 0x1b, 0xab, 0x33, 0xff, 0xb0, 0xbb, 0x48, 0x0c, 0x5f, 0xb9, 0xb1, 0xcd, 0x2e,
  0xc5, 0xf3, 0xdb, 0x47, 0xe5, 0xa5, 0x9c, 0x77, 0x0a, 0xa6, 0x20, 0x68, 0xfe, 0x7f, 0xc1, 0xad,
]);

const BLOCK = 8;

/** RFC 2268 §2 key expansion: T key bytes (1..128), T1 effective bits (1..1024) → K[0..63]. */
export function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const t = key.length;
  if (t < 1 || t > 128) throw new CoreError("invalid-argument", `RC2 key must be 1..128 bytes, got ${t}`);
  if (!Number.isInteger(effectiveBits) || effectiveBits < 1 || effectiveBits > 1024)
    throw new CoreError("invalid-argument", `RC2 effective key bits must be 1..1024, got ${effectiveBits}`);
  const l = new Uint8Array(128);
  l.set(key);
  for (let i = t; i < 128; i++)
    l[i] = PITABLE[((l[i - 1] as number) + (l[i - t] as number)) & 0xff] as number;
  const t8 = (effectiveBits + 7) >> 3;
  const tm = 0xff >> (8 * t8 - effectiveBits);
  l[128 - t8] = PITABLE[(l[128 - t8] as number) & tm] as number;
  for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[(l[i + 1] as number) ^ (l[i + t8] as number)] as number;
  const k = new Uint16Array(64);
  for (let i = 0; i < 64; i++) k[i] = (l[2 * i] as number) | ((l[2 * i + 1] as number) << 8);
  l.fill(0);
  return k;
}

/**
 * Encrypts `count` blocks of `src` at `srcOff` into `dst` at `dstOff` in CBC mode, chaining
 * from `iv` (8 bytes, updated in place to the last ciphertext block). RFC 2268 §3: 5 mixing
 * rounds, a mashing round, 6 mixing, a mashing round, 5 mixing.
 */
function cbcEncryptBlocks(
  k: Uint16Array,
  iv: Uint8Array,
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  count: number,
): void {
  let c0 = (iv[0] as number) | ((iv[1] as number) << 8);
  let c1 = (iv[2] as number) | ((iv[3] as number) << 8);
  let c2 = (iv[4] as number) | ((iv[5] as number) << 8);
  let c3 = (iv[6] as number) | ((iv[7] as number) << 8);
  for (let b = 0; b < count; b++) {
    const s = srcOff + b * BLOCK;
    let r0 = c0 ^ ((src[s] as number) | ((src[s + 1] as number) << 8));
    let r1 = c1 ^ ((src[s + 2] as number) | ((src[s + 3] as number) << 8));
    let r2 = c2 ^ ((src[s + 4] as number) | ((src[s + 5] as number) << 8));
    let r3 = c3 ^ ((src[s + 6] as number) | ((src[s + 7] as number) << 8));
    let j = 0;
    for (let round = 0; round < 16; round++) {
      // MIX (RFC 2268 §3.1); s = [1, 2, 3, 5]
      let x = (r0 + (k[j++] as number) + (r3 & r2) + (~r3 & r1)) & 0xffff;
      r0 = ((x << 1) | (x >> 15)) & 0xffff;
      x = (r1 + (k[j++] as number) + (r0 & r3) + (~r0 & r2)) & 0xffff;
      r1 = ((x << 2) | (x >> 14)) & 0xffff;
      x = (r2 + (k[j++] as number) + (r1 & r0) + (~r1 & r3)) & 0xffff;
      r2 = ((x << 3) | (x >> 13)) & 0xffff;
      x = (r3 + (k[j++] as number) + (r2 & r1) + (~r2 & r0)) & 0xffff;
      r3 = ((x << 5) | (x >> 11)) & 0xffff;
      if (round === 4 || round === 10) {
        // MASH (RFC 2268 §3.2)
        r0 = (r0 + (k[r3 & 63] as number)) & 0xffff;
        r1 = (r1 + (k[r0 & 63] as number)) & 0xffff;
        r2 = (r2 + (k[r1 & 63] as number)) & 0xffff;
        r3 = (r3 + (k[r2 & 63] as number)) & 0xffff;
      }
    }
    writeWords(dst, dstOff + b * BLOCK, r0, r1, r2, r3);
    c0 = r0;
    c1 = r1;
    c2 = r2;
    c3 = r3;
  }
  writeWords(iv, 0, c0, c1, c2, c3);
}

/** The inverse of cbcEncryptBlocks (RFC 2268 §4: r-mixing and r-mashing, K used backwards). */
function cbcDecryptBlocks(
  k: Uint16Array,
  iv: Uint8Array,
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  count: number,
): void {
  let c0 = (iv[0] as number) | ((iv[1] as number) << 8);
  let c1 = (iv[2] as number) | ((iv[3] as number) << 8);
  let c2 = (iv[4] as number) | ((iv[5] as number) << 8);
  let c3 = (iv[6] as number) | ((iv[7] as number) << 8);
  for (let b = 0; b < count; b++) {
    const s = srcOff + b * BLOCK;
    // Read the whole ciphertext block first: src and dst may be the same buffer.
    const n0 = (src[s] as number) | ((src[s + 1] as number) << 8);
    const n1 = (src[s + 2] as number) | ((src[s + 3] as number) << 8);
    const n2 = (src[s + 4] as number) | ((src[s + 5] as number) << 8);
    const n3 = (src[s + 6] as number) | ((src[s + 7] as number) << 8);
    let r0 = n0;
    let r1 = n1;
    let r2 = n2;
    let r3 = n3;
    let j = 63;
    for (let round = 0; round < 16; round++) {
      let x = ((r3 << 11) | (r3 >> 5)) & 0xffff;
      r3 = (x - (k[j--] as number) - (r2 & r1) - (~r2 & r0)) & 0xffff;
      x = ((r2 << 13) | (r2 >> 3)) & 0xffff;
      r2 = (x - (k[j--] as number) - (r1 & r0) - (~r1 & r3)) & 0xffff;
      x = ((r1 << 14) | (r1 >> 2)) & 0xffff;
      r1 = (x - (k[j--] as number) - (r0 & r3) - (~r0 & r2)) & 0xffff;
      x = ((r0 << 15) | (r0 >> 1)) & 0xffff;
      r0 = (x - (k[j--] as number) - (r3 & r2) - (~r3 & r1)) & 0xffff;
      if (round === 4 || round === 10) {
        r3 = (r3 - (k[r2 & 63] as number)) & 0xffff;
        r2 = (r2 - (k[r1 & 63] as number)) & 0xffff;
        r1 = (r1 - (k[r0 & 63] as number)) & 0xffff;
        r0 = (r0 - (k[r3 & 63] as number)) & 0xffff;
      }
    }
    r0 ^= c0;
    r1 ^= c1;
    r2 ^= c2;
    r3 ^= c3;
    writeWords(dst, dstOff + b * BLOCK, r0, r1, r2, r3);
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
  }
  writeWords(iv, 0, c0, c1, c2, c3);
}

/** Four 16-bit words, little-endian, into `out` at `at` (RFC 2268 §3: the block as R[0..3]). */
function writeWords(out: Uint8Array, at: number, w0: number, w1: number, w2: number, w3: number): void {
  out[at] = w0;
  out[at + 1] = w0 >> 8;
  out[at + 2] = w1;
  out[at + 3] = w1 >> 8;
  out[at + 4] = w2;
  out[at + 5] = w2 >> 8;
  out[at + 6] = w3;
  out[at + 7] = w3 >> 8;
}

function checkBlock(block: Uint8Array, what: string): void {
  if (block.length !== BLOCK)
    throw new CoreError("invalid-argument", `RC2 ${what} must be 8 bytes, got ${block.length}`);
}

/** One raw 8-byte block, ECB (for the RFC 2268 §5 vectors). */
export function rc2EncryptBlock(key: Uint8Array, effectiveBits: number, block: Uint8Array): Uint8Array {
  checkBlock(block, "block");
  const out = new Uint8Array(BLOCK);
  cbcEncryptBlocks(rc2ExpandKey(key, effectiveBits), new Uint8Array(BLOCK), block, 0, out, 0, 1);
  return out;
}

export function rc2DecryptBlock(key: Uint8Array, effectiveBits: number, block: Uint8Array): Uint8Array {
  checkBlock(block, "block");
  const out = new Uint8Array(BLOCK);
  cbcDecryptBlocks(rc2ExpandKey(key, effectiveBits), new Uint8Array(BLOCK), block, 0, out, 0, 1);
  return out;
}

/** The streaming shape of node's Cipher/Decipher that callers use. */
export interface Rc2Stream {
  update(data: Uint8Array): Buffer;
  final(): Buffer;
}

function finished(): CoreError {
  return new CoreError("invalid-argument", "RC2: update() or final() called after final()");
}

/** RC2-CBC encryption with PKCS#7 padding (RFC 5652 §6.3); update() accepts any chunk sizes. */
export function createRc2Cipheriv(key: Uint8Array, effectiveBits: number, iv: Uint8Array): Rc2Stream {
  checkBlock(iv, "IV");
  const k = rc2ExpandKey(key, effectiveBits);
  const chain = Uint8Array.from(iv);
  const pending = new Uint8Array(BLOCK);
  let pendingLength = 0;
  let done = false;
  return {
    update(data: Uint8Array): Buffer {
      if (done) throw finished();
      const total = pendingLength + data.length;
      const blocks = Math.floor(total / BLOCK);
      const out = Buffer.allocUnsafe(blocks * BLOCK);
      let consumed = 0;
      if (blocks > 0 && pendingLength > 0) {
        consumed = BLOCK - pendingLength;
        pending.set(data.subarray(0, consumed), pendingLength);
        cbcEncryptBlocks(k, chain, pending, 0, out, 0, 1);
        pendingLength = 0;
      }
      const direct = Math.floor((data.length - consumed) / BLOCK);
      cbcEncryptBlocks(k, chain, data, consumed, out, out.length - direct * BLOCK, direct);
      consumed += direct * BLOCK;
      pending.set(data.subarray(consumed), pendingLength);
      pendingLength += data.length - consumed;
      return out;
    },
    final(): Buffer {
      if (done) throw finished();
      done = true;
      const padByte = BLOCK - pendingLength;
      pending.fill(padByte, pendingLength);
      const out = Buffer.allocUnsafe(BLOCK);
      cbcEncryptBlocks(k, chain, pending, 0, out, 0, 1);
      k.fill(0);
      pending.fill(0);
      return out;
    },
  };
}

/**
 * RC2-CBC decryption. Like node's Decipher, update() holds back the last full block until
 * final(), which removes the PKCS#7 padding after checking every pad byte; a bad pad or a
 * length that is not a whole number of blocks throws CoreError("decryption-failed").
 */
export function createRc2Decipheriv(key: Uint8Array, effectiveBits: number, iv: Uint8Array): Rc2Stream {
  checkBlock(iv, "IV");
  const k = rc2ExpandKey(key, effectiveBits);
  const chain = Uint8Array.from(iv);
  // Up to one full block is held back (it may be the padding block), plus a partial one.
  const pending = new Uint8Array(2 * BLOCK);
  let pendingLength = 0;
  let done = false;
  return {
    update(data: Uint8Array): Buffer {
      if (done) throw finished();
      const total = pendingLength + data.length;
      if (total <= BLOCK) {
        pending.set(data, pendingLength);
        pendingLength = total;
        return Buffer.alloc(0);
      }
      // Keep the last full block (or the trailing partial block) back.
      const keep = total % BLOCK === 0 ? BLOCK : total % BLOCK;
      const emit = total - keep;
      const out = Buffer.allocUnsafe(emit);
      let written = 0;
      let consumed = 0;
      if (pendingLength > 0) {
        // Complete one block from pending + data; pendingLength ≤ 8 here.
        consumed = BLOCK - pendingLength;
        pending.set(data.subarray(0, consumed), pendingLength);
        cbcDecryptBlocks(k, chain, pending, 0, out, 0, 1);
        written = BLOCK;
        pendingLength = 0;
      }
      const direct = (emit - written) / BLOCK;
      cbcDecryptBlocks(k, chain, data, consumed, out, written, direct);
      consumed += direct * BLOCK;
      pending.set(data.subarray(consumed), 0);
      pendingLength = data.length - consumed;
      return out;
    },
    final(): Buffer {
      if (done) throw finished();
      done = true;
      try {
        if (pendingLength !== BLOCK)
          throw new CoreError("decryption-failed", "RC2: ciphertext is not a whole number of blocks");
        const last = new Uint8Array(BLOCK);
        cbcDecryptBlocks(k, chain, pending, 0, last, 0, 1);
        const padByte = last[BLOCK - 1] as number;
        // Check every pad byte without an early exit (RFC 5652 §6.3 padding).
        let bad = padByte === 0 || padByte > BLOCK ? 1 : 0;
        for (let i = 0; i < BLOCK; i++) {
          const inPad = i >= BLOCK - padByte ? 1 : 0;
          bad |= inPad & ((last[i] as number) !== padByte ? 1 : 0);
        }
        if (bad) throw new CoreError("decryption-failed", "RC2: bad padding");
        const out = Buffer.from(last.subarray(0, BLOCK - padByte));
        last.fill(0);
        return out;
      } finally {
        k.fill(0);
        pending.fill(0);
      }
    },
  };
}
