/**
 * Base64 Content-Transfer-Encoding (RFC 2045 §6.8). Decoding ignores line breaks and other
 * whitespace but rejects any other byte and bad padding with CoreError("malformed"), because
 * Buffer.from(…, "base64") silently skips garbage. Encoding writes 76-column CRLF lines.
 * Both directions have streaming variants whose output equals the one-shot functions'.
 * The heavy lifting is Node's native base64; JS only validates and wraps lines.
 */
import { CoreError } from "../errors.js";
import { decodeRegion, FAST_MIN, lineRegion, unbrokenRegion } from "./base64-regions.js";
import { asBuffer, concatBytes, convertChunks, EMPTY } from "./bytes.js";

export { qpDecode, qpEncode } from "./quoted-printable.js";

const CR = 0x0d;
const LF = 0x0a;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Byte classes for the decoder's table. */
const ALPHA = 0;
const SPACE = 1;
const PAD = 2;
const OTHER = 3;

/** A fresh 256-entry class table (per decoder: no shared mutable module state). */
function classTable(): Uint8Array {
  const table = new Uint8Array(256).fill(OTHER);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = ALPHA;
  table[0x20] = SPACE;
  table[0x09] = SPACE;
  table[CR] = SPACE;
  table[LF] = SPACE;
  table[0x3d] = PAD;
  return table;
}

function bad(message: string, offset: number): CoreError {
  return new CoreError("malformed", `bad base64: ${message} at offset ${offset}`);
}

/** Streaming strict decoder: push chunks (split anywhere), then flush once. */
export class Base64Decoder {
  readonly #table = classTable();
  /** Alphabet characters of an incomplete 4-character quantum (0–3 of them). */
  #carry = "";
  /** "=" characters seen; after the first one only "=" and whitespace may follow. */
  #pad = 0;
  #consumed = 0;

  push(chunk: Uint8Array): Uint8Array {
    const buf = asBuffer(chunk);
    if (this.#pad !== 0 || buf.length < FAST_MIN) return this.#push(buf);
    // Fast path for what every mailer writes: full lines of one length (a multiple of 4) ending
    // in CRLF or LF, decoded natively. Anything else, and any doubt, goes through #push.
    const lf = buf.indexOf(LF);
    const start = lf === -1 ? 0 : lf + 1;
    const head = lf === -1 ? EMPTY : this.#push(buf.subarray(0, start));
    if (this.#carry.length !== 0 || this.#pad !== 0)
      return joinDecoded(head, this.#push(buf.subarray(start)));
    const region = lf === -1 ? unbrokenRegion(buf) : lineRegion(buf, start);
    if (region === undefined) return joinDecoded(head, this.#push(buf.subarray(start)));
    const tailBytes = buf.length - region.end;
    const out = Buffer.allocUnsafe(head.length + (region.count / 4) * 3 + Math.ceil((tailBytes + 3) / 4) * 3);
    out.set(head, 0);
    if (!decodeRegion(buf, region, out, head.length))
      return joinDecoded(head, this.#push(buf.subarray(start)));
    this.#consumed += region.end - region.start;
    let length = head.length + (region.count / 4) * 3;
    const tail = this.#push(buf.subarray(region.end));
    out.set(tail, length);
    length += tail.length;
    return out.subarray(0, length);
  }

  /** The byte-by-byte validating path (any input). */
  #push(buf: Buffer): Uint8Array {
    if (buf.length === 0) return EMPTY;
    const table = this.#table;
    // Fast path: count alphabet characters up to the first "=" or invalid byte.
    const { stop, alpha } = this.#pad === 0 ? scanBody(buf, table) : { stop: 0, alpha: 0 };
    this.#pad = checkTail(buf, stop, this.#carry.length + alpha, this.#pad, this.#consumed, table);
    this.#consumed += buf.length;
    // Cut after the last complete quantum; the rest (at most 3 characters) is carried over.
    let rest = (this.#carry.length + alpha) % 4;
    if (alpha <= rest) {
      this.#carry += alphabetOnly(buf, 0, stop, table);
      return EMPTY;
    }
    let cut = stop;
    while (rest > 0) if (table[buf[--cut] as number] === ALPHA) rest--;
    const text = this.#carry + buf.toString("latin1", 0, cut);
    this.#carry = alphabetOnly(buf, cut, stop, table);
    return Buffer.from(text, "base64");
  }

  /** Decodes the final quantum. Missing padding is tolerated; partial padding is not. */
  flush(): Uint8Array {
    const quad = this.#carry.length;
    const pad = this.#pad;
    const carry = this.#carry;
    this.#carry = "";
    this.#pad = 0;
    checkFinal(quad, pad, this.#consumed);
    return quad === 0 ? EMPTY : Buffer.from(carry, "base64");
  }
}

function joinDecoded(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return concatBytes([a, b]);
}

/** The first byte that is neither alphabet nor whitespace (or the length), and the alphabet count before it. */
function scanBody(buf: Uint8Array, table: Uint8Array): { stop: number; alpha: number } {
  const n = buf.length;
  let alpha = 0;
  let i = 0;
  for (; i < n; i++) {
    const k = table[buf[i] as number];
    if (k === ALPHA) alpha++;
    else if (k !== SPACE) break;
  }
  return { stop: i, alpha };
}

/** From `from` on only padding and whitespace may appear (RFC 2045 §6.8). Returns the pad count. */
function checkTail(
  buf: Buffer,
  from: number,
  quad: number,
  pad: number,
  offset: number,
  table: Uint8Array,
): number {
  let seen = pad;
  for (let i = from; i < buf.length; i++) {
    const k = table[buf[i] as number];
    if (k === ALPHA) throw bad("data after padding", offset + i);
    if (k === PAD) {
      if (quad % 4 < 2 || (quad % 4) + seen >= 4) throw bad("misplaced padding", offset + i);
      seen++;
    } else if (k === OTHER) {
      const c = buf[i] as number;
      throw bad(`unexpected byte 0x${c.toString(16).padStart(2, "0")}`, offset + i);
    }
  }
  return seen;
}

/** The last quantum: one lone character is truncation; padding, if any, must complete it. */
function checkFinal(quad: number, pad: number, offset: number): void {
  if (quad === 1) throw bad("truncated input (one dangling character)", offset);
  if (pad > 0 && quad + pad !== 4) throw bad("incomplete padding", offset);
}

/** Strictly decodes a base64 body; whitespace (SP, TAB, CR, LF) anywhere is ignored. */
export function base64Decode(input: Uint8Array | string): Uint8Array {
  const buf = typeof input === "string" ? Buffer.from(input, "utf8") : asBuffer(input);
  const table = classTable();
  const { stop, alpha } = scanBody(buf, table);
  const pad = checkTail(buf, stop, alpha, 0, 0, table);
  checkFinal(alpha % 4, pad, buf.length);
  // Validated: Node's native decoder now reads the whole text in one go (it skips whitespace).
  return Buffer.from(buf.toString("latin1"), "base64");
}

function alphabetOnly(buf: Buffer, from: number, to: number, table: Uint8Array): string {
  let out = "";
  for (let i = from; i < to; i++) {
    const c = buf[i] as number;
    if (table[c] === ALPHA) out += String.fromCharCode(c);
  }
  return out;
}

/** Input bytes per output line: 57 bytes → 76 characters. */
function lineInputBytes(lineLength: number): number {
  if (!Number.isInteger(lineLength) || lineLength < 4 || lineLength > 996 || lineLength % 4 !== 0) {
    throw new CoreError("invalid-argument", "base64 line length must be a multiple of 4 in 4..996");
  }
  return (lineLength / 4) * 3;
}

/** Base64 in lines of `lineLength` characters, each ending in CRLF (the last one too). */
export function base64Encode(bytes: Uint8Array, lineLength = 76): Uint8Array {
  return encodeLines(asBuffer(bytes), lineInputBytes(lineLength), lineLength);
}

/** Encodes whole lines, plus a final short line if `buf` is not a multiple of the line size. */
function encodeLines(buf: Buffer, perLine: number, lineLength: number): Buffer {
  const out = Buffer.allocUnsafe(encodedLength(buf.length, perLine, lineLength));
  encodeLinesInto(buf, perLine, lineLength, out, 0);
  return out;
}

function encodedLength(bytes: number, perLine: number, lineLength: number): number {
  const full = Math.floor(bytes / perLine);
  const rest = bytes - full * perLine;
  return full * (lineLength + 2) + (rest === 0 ? 0 : Math.ceil(rest / 3) * 4 + 2);
}

/**
 * Writes the lines at `o`; returns the new offset. Each block of lines is encoded natively
 * straight into `out`, 2 bytes per line further on, then every line is moved down into place
 * with copyWithin (a memmove, forwards: a line never overwrites text not yet moved) and its
 * CRLF written after it — no per-line Buffer objects or JS copy wrappers.
 */
function encodeLinesInto(buf: Buffer, perLine: number, lineLength: number, out: Buffer, o: number): number {
  const full = Math.floor(buf.length / perLine);
  const linesPerBlock = 1024;
  for (let line = 0; line < full; line += linesPerBlock) {
    const n = Math.min(linesPerBlock, full - line);
    let text = o + 2 * n;
    out.write(buf.toString("base64", line * perLine, (line + n) * perLine), text, "latin1");
    for (let j = 0; j < n; j++) {
      out.copyWithin(o, text, text + lineLength);
      o += lineLength;
      text += lineLength;
      out[o++] = CR;
      out[o++] = LF;
    }
  }
  if (full * perLine < buf.length) {
    o += out.write(buf.toString("base64", full * perLine), o, "latin1");
    out[o++] = CR;
    out[o++] = LF;
  }
  return o;
}

/** Streaming encoder: output is byte-identical to base64Encode over the concatenated input. */
export class Base64Encoder {
  readonly #lineLength: number;
  readonly #perLine: number;
  #carry: Uint8Array = EMPTY;

  constructor(lineLength = 76) {
    this.#perLine = lineInputBytes(lineLength);
    this.#lineLength = lineLength;
  }

  push(chunk: Uint8Array): Uint8Array {
    const perLine = this.#perLine;
    const input = asBuffer(chunk);
    if (input.length === 0) return EMPTY;
    // The carried bytes and the start of this chunk make one line (a small copy); the rest of
    // the chunk is encoded where it is.
    const need = this.#carry.length === 0 ? 0 : Math.min(perLine - this.#carry.length, input.length);
    const first = need === 0 ? EMPTY : concatBytes([this.#carry, input.subarray(0, need)]);
    if (need > 0 && first.length < perLine) {
      this.#carry = first;
      return EMPTY;
    }
    const body = input.subarray(need);
    const whole = body.length - (body.length % perLine);
    const out = Buffer.allocUnsafe(
      (first.length > 0 ? this.#lineLength + 2 : 0) + (whole / perLine) * (this.#lineLength + 2),
    );
    let o = first.length > 0 ? encodeLinesInto(asBuffer(first), perLine, this.#lineLength, out, 0) : 0;
    o = encodeLinesInto(body.subarray(0, whole), perLine, this.#lineLength, out, o);
    // Copy the remainder: the caller may reuse its chunk buffer after push returns.
    this.#carry = Buffer.from(body.subarray(whole));
    return o === 0 ? EMPTY : out;
  }

  flush(): Uint8Array {
    const rest = this.#carry;
    this.#carry = EMPTY;
    return rest.length === 0 ? EMPTY : encodeLines(asBuffer(rest), this.#perLine, this.#lineLength);
  }
}

/** Base64-encodes an (async) iterable of chunks into CRLF lines. */
export function base64EncodeChunks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  lineLength = 76,
): AsyncGenerator<Uint8Array> {
  return convertChunks(source, () => new Base64Encoder(lineLength));
}

/** Strictly decodes an (async) iterable of base64 chunks. */
export function base64DecodeChunks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  return convertChunks(source, () => new Base64Decoder());
}
