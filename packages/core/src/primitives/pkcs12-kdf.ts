import { type DigestInfo, digestByName } from "../algorithms.js";
import { CoreError } from "../errors.js";
import { iteratedHash } from "./iterated-hash.js";

/** RFC 7292 App. B.3: the ID byte says what the derived bytes are for. */
export const PKCS12_KDF_ID = { key: 1, iv: 2, mac: 3 } as const;
export type Pkcs12KdfId = 1 | 2 | 3;

/**
 * RFC 7292 App. B.1: a password as a BMPString, big-endian UTF-16 with a two-byte zero
 * terminator ("smeg" → 0073006d006500670000). Characters outside the BMP become surrogate
 * pairs, as Windows and OpenSSL ≥ 1.1 write them. The caller normalises (NFC) first.
 * Note: the *empty* password is "00 00" here; OpenSSL's "no password" (NULL, 0) is the
 * empty byte string — callers try both (SMIME-NOTES §6.2).
 */
export function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2 + 2);
  out.write(password, 0, "utf16le");
  out.subarray(0, password.length * 2).swap16();
  return out;
}

/**
 * The broken form older OpenSSL (< 1.1.0) wrote for non-ASCII passwords: every UTF-8 *byte*
 * taken as one BMP character, plus the terminator (OpenSSL's pkcs12 app still retries it).
 */
export function legacyBmpPassword(password: string): Buffer {
  const utf8 = Buffer.from(password, "utf8");
  const out = Buffer.alloc(utf8.length * 2 + 2);
  for (let i = 0; i < utf8.length; i++) out[2 * i + 1] = utf8[i] as number;
  return out;
}

/**
 * The PKCS#12 key derivation function (RFC 7292 App. B.2), over an already-formatted
 * password (BMPString bytes, or empty for "no password"). Cost is ceil(n/u) × iterations
 * hashes; the caller enforces the iteration budget.
 */
export function pkcs12Kdf(
  digest: DigestInfo | string,
  password: Uint8Array,
  salt: Uint8Array,
  id: Pkcs12KdfId,
  iterations: number,
  length: number,
): Buffer {
  const info = typeof digest === "string" ? digestByName(digest) : digest;
  if (!info) throw new CoreError("unsupported-algorithm", `PKCS#12 KDF: unknown digest ${String(digest)}`);
  if (!Number.isSafeInteger(length) || length < 1 || length > 1024)
    throw new CoreError("invalid-argument", `PKCS#12 KDF: bad output length ${length}`);
  const u = info.length;
  const v = info.blockSize;
  // Step 1–3: D = v copies of ID; S and P = salt and password repeated to a multiple of v.
  const d = Buffer.alloc(v, id);
  const repeat = (src: Uint8Array): Buffer => {
    const len = src.length === 0 ? 0 : v * Math.ceil(src.length / v);
    const out = Buffer.alloc(len);
    for (let i = 0; i < len; i += src.length) out.set(src.subarray(0, Math.min(src.length, len - i)), i);
    return out;
  };
  const s = repeat(salt);
  const p = repeat(password);
  // Step 4: I = S || P.
  const input = Buffer.concat([d, s, p]);
  const i = input.subarray(v);
  const blocks = Math.ceil(length / u);
  const out = Buffer.alloc(blocks * u);
  const b = Buffer.alloc(v);
  for (let n = 0; n < blocks; n++) {
    // Step 6a: A_n = H^r(D || I).
    const a = iteratedHash(info.node, input, iterations);
    a.copy(out, n * u);
    if (n === blocks - 1) {
      a.fill(0);
      break;
    }
    // Step 6b: B = A_n repeated to v bytes. Step 6c: I_j = (I_j + B + 1) mod 2^(8v).
    for (let k = 0; k < v; k++) b[k] = a[k % u] as number;
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (i[j + k] as number) + (b[k] as number) + carry;
        i[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
    a.fill(0);
  }
  input.fill(0);
  p.fill(0);
  b.fill(0);
  const result = Buffer.from(out.subarray(0, length));
  out.fill(0);
  return result;
}
