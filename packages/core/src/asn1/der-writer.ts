import { CoreError } from "../errors.js";
import { TAG } from "./ber-reader.js";

/**
 * DER encoding helpers (X.690 §10). Everything we write is DER, built bottom-up from
 * byte arrays; large contents are never passed through here (the streaming writers emit
 * their own headers with `encodeHeader`).
 */
export type Bytes = Uint8Array;

export function encodeLength(length: number): Bytes {
  if (length < 0x80) return Uint8Array.of(length);
  const out: number[] = [];
  let n = length;
  while (n > 0) {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Uint8Array.from([0x80 | out.length, ...out]);
}

/** Identifier + definite length, for writers that stream the content themselves. */
export function encodeHeader(tag: number, length: number): Bytes {
  return concat([Uint8Array.of(tag), encodeLength(length)]);
}

export function concat(parts: readonly Bytes[]): Bytes {
  return Buffer.concat(parts as Uint8Array[]);
}

export function tlv(tag: number, content: Bytes | readonly Bytes[]): Bytes {
  const body = content instanceof Uint8Array ? content : concat(content);
  return concat([Uint8Array.of(tag), encodeLength(body.length), body]);
}

export const sequence = (...items: Bytes[]): Bytes => tlv(TAG.SEQUENCE, items);

/** SET OF in DER order: elements sorted as octet strings (X.690 §11.6). */
export function setOf(items: readonly Bytes[]): Bytes {
  return tlv(TAG.SET, sortDer(items));
}

export function sortDer(items: readonly Bytes[]): Bytes[] {
  return [...items].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export const explicit = (n: number, inner: Bytes): Bytes => tlv(0xa0 | n, inner);
/** [n] IMPLICIT over a constructed type: same content, new tag. */
export const implicitConstructed = (n: number, content: Bytes | readonly Bytes[]): Bytes =>
  tlv(0xa0 | n, content);
/** [n] IMPLICIT over a primitive type. */
export const implicitPrimitive = (n: number, content: Bytes): Bytes => tlv(0x80 | n, content);

export const nullValue = (): Bytes => Uint8Array.of(0x05, 0x00);
export const octetString = (bytes: Bytes): Bytes => tlv(TAG.OCTET_STRING, bytes);
export const bool = (value: boolean): Bytes => Uint8Array.of(0x01, 0x01, value ? 0xff : 0x00);

export function bitString(bytes: Bytes, unusedBits = 0): Bytes {
  return tlv(TAG.BIT_STRING, concat([Uint8Array.of(unusedBits), bytes]));
}

/** A named-bit BIT STRING (e.g. keyUsage) in DER: trailing zero bits removed (X.690 §11.2.2). */
export function namedBits(bits: readonly number[]): Bytes {
  if (bits.length === 0) return bitString(new Uint8Array(0));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  return bitString(bytes, 7 - (highest & 7));
}

export function integer(value: bigint | number): Bytes {
  let v = BigInt(value);
  const out: number[] = [];
  if (v === 0n) return Uint8Array.of(0x02, 0x01, 0x00);
  const negative = v < 0n;
  for (;;) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
    if (!negative && v === 0n && ((out[0] as number) & 0x80) === 0) break;
    if (negative && v === -1n && ((out[0] as number) & 0x80) !== 0) break;
  }
  return tlv(TAG.INTEGER, Uint8Array.from(out));
}

/** A non-negative INTEGER from big-endian magnitude bytes (serials, RSA moduli). */
export function unsignedInteger(magnitude: Bytes): Bytes {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const trimmed = magnitude.subarray(i);
  const pad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return tlv(
    TAG.INTEGER,
    pad ? concat([Uint8Array.of(0), trimmed]) : trimmed.length ? trimmed : Uint8Array.of(0),
  );
}

export function oid(dotted: string): Bytes {
  const parts = dotted.split(".");
  if (parts.length < 2) throw new CoreError("invalid-argument", `bad OID "${dotted}"`);
  const arcs = parts.map((a) => {
    if (!/^\d+$/.test(a)) throw new CoreError("invalid-argument", `bad OID "${dotted}"`);
    // Numbers while exact (every registered arc); BigInt past 2^53 (2.25.<UUID> arcs).
    return a.length <= 15 ? Number(a) : BigInt(a);
  });
  const [a, b, ...rest] = arcs as [number | bigint, number | bigint, ...Array<number | bigint>];
  const small = typeof a === "number" && typeof b === "number" ? a * 40 + b : Number.NaN;
  const first = Number.isSafeInteger(small) ? small : BigInt(a) * 40n + BigInt(b);
  const out: number[] = [];
  for (const arc of [first, ...rest]) base128(out, arc);
  return tlv(TAG.OID, Uint8Array.from(out));
}

/** One subidentifier: base 128, most significant group first, high bit on all but the last. */
function base128(out: number[], arc: number | bigint): void {
  const groups: number[] = [];
  if (typeof arc === "number") {
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.push(v % 128);
      if (v < 128) break;
    }
  } else {
    for (let v = arc; ; v >>= 7n) {
      groups.push(Number(v & 0x7fn));
      if (v < 128n) break;
    }
  }
  for (let i = groups.length - 1; i >= 0; i--) out.push((groups[i] as number) | (i > 0 ? 0x80 : 0));
}

export const utf8String = (s: string): Bytes => tlv(TAG.UTF8_STRING, Buffer.from(s, "utf8"));
export const ia5String = (s: string): Bytes => tlv(TAG.IA5_STRING, Buffer.from(s, "latin1"));
export const printableString = (s: string): Bytes => tlv(TAG.PRINTABLE_STRING, Buffer.from(s, "latin1"));

export function bmpString(s: string): Bytes {
  const le = Buffer.from(s, "utf16le");
  return tlv(TAG.BMP_STRING, le.swap16());
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** RFC 5280 §4.1.2.5 / RFC 5652 §11.3: UTCTime for 1950..2049, else GeneralizedTime; whole seconds, Z. */
export function time(date: Date): Bytes {
  const y = date.getUTCFullYear();
  const rest = `${pad(date.getUTCMonth() + 1, 2)}${pad(date.getUTCDate(), 2)}${pad(date.getUTCHours(), 2)}${pad(date.getUTCMinutes(), 2)}${pad(date.getUTCSeconds(), 2)}Z`;
  if (y >= 1950 && y <= 2049) return tlv(TAG.UTC_TIME, Buffer.from(`${pad(y % 100, 2)}${rest}`, "latin1"));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${pad(y, 4)}${rest}`, "latin1"));
}

/** AlgorithmIdentifier with parameters absent (undefined) or given as encoded bytes. */
export function algorithmIdentifier(algorithm: string, parameters?: Bytes): Bytes {
  return parameters ? sequence(oid(algorithm), parameters) : sequence(oid(algorithm));
}
