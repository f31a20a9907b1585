/**
 * Canonical line endings for signing and verifying (RFC 8551 §3.1.1, RFC 2049 §4): every
 * line ends in CRLF. Bare LF and lone CR become CRLF; existing CRLF pairs are left alone.
 * Scans with Buffer.indexOf (memchr) and copies runs, so 50 MB takes milliseconds, not seconds.
 * Never apply this to a `Content-Transfer-Encoding: binary` body.
 */
import { asBuffer, concatBytes, convertChunks, crlf, EMPTY } from "./bytes.js";

/** Returns the input itself when it is already canonical, else a converted copy. */
export function toCanonicalCrlf(bytes: Uint8Array): Uint8Array {
  const buf = asBuffer(bytes);
  const inserts = convert(buf, null);
  if (inserts === 0) return bytes;
  const out = Buffer.allocUnsafe(buf.length + inserts);
  convert(buf, out);
  return out;
}

/** True when every LF is preceded by CR and every CR is followed by LF. */
export function isCanonical(bytes: Uint8Array): boolean {
  return convert(asBuffer(bytes), null) === 0;
}

// Local copies: hot loops must not read imported bindings (some loaders turn them into getters).
const CR = 0x0d;
const LF = 0x0a;
/** Line endings closer together than this switch the scan to a byte loop for one block. */
const DENSE = 32;
const BLOCK = 4096;

/**
 * Walks CR and LF positions in order. Returns how many bytes converting adds (one per bare LF
 * or lone CR); when `out` is given, also writes the converted bytes into it. Sparse line
 * endings are found with indexOf and the runs between them copied natively; where they are
 * dense (e.g. 50 MB of "\n") a plain byte loop is faster than two native calls per line.
 */
function convert(buf: Buffer, out: Buffer | null): number {
  const n = buf.length;
  let inserts = 0;
  let copyFrom = 0;
  let o = 0;
  let i = 0;
  let previous = -DENSE;
  let cr = -2; // next CR at or after i; -2 = not searched yet, -1 = none left
  let lf = -2;
  for (;;) {
    if (cr !== -1 && cr < i) cr = buf.indexOf(CR, i);
    if (lf !== -1 && lf < i) lf = buf.indexOf(LF, i);
    if (cr === -1 && lf === -1) break;
    const e = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
    if (e - previous < DENSE) {
      if (out) o += buf.copy(out, o, copyFrom, e);
      const end = Math.min(n, e + BLOCK);
      let j = e;
      for (; j < end; j++) {
        const c = buf[j];
        if (c === CR || c === LF) {
          if (c === CR && buf[j + 1] === LF) j++;
          else inserts++;
          if (out) {
            out[o++] = CR;
            out[o++] = LF;
          }
        } else if (out) {
          out[o++] = c as number;
        }
      }
      copyFrom = j;
      i = j;
      previous = j;
      continue;
    }
    previous = e;
    if (e === cr && lf === e + 1) {
      i = e + 2; // a CRLF pair: nothing to do
      continue;
    }
    if (out) o = emitLine(buf, out, o, copyFrom, e); // bare LF or lone CR
    copyFrom = e + 1;
    inserts++;
    i = e + 1;
  }
  if (out) buf.copy(out, o, copyFrom);
  return inserts;
}

function emitLine(buf: Buffer, out: Buffer, o: number, from: number, to: number): number {
  let at = o + buf.copy(out, o, from, to);
  out[at++] = CR;
  out[at++] = LF;
  return at;
}

/**
 * Streaming canonicaliser: push chunks, then flush. A CR at the end of a chunk is held back
 * until the next chunk shows whether an LF follows it, so chunk boundaries never matter.
 */
export class CrlfCanonicalizer {
  #pendingCr = false;

  push(chunk: Uint8Array): Uint8Array {
    let buf = asBuffer(chunk);
    let prefix = EMPTY;
    if (this.#pendingCr && buf.length > 0) {
      this.#pendingCr = false;
      prefix = crlf();
      if (buf[0] === LF) buf = buf.subarray(1);
    }
    if (buf.length > 0 && buf[buf.length - 1] === CR) {
      this.#pendingCr = true;
      buf = buf.subarray(0, buf.length - 1);
    }
    const body = toCanonicalCrlf(buf);
    return prefix.length === 0 ? body : concatBytes([prefix, body]);
  }

  flush(): Uint8Array {
    const held = this.#pendingCr;
    this.#pendingCr = false;
    return held ? crlf() : EMPTY;
  }
}

/** Canonicalises an (async) iterable of chunks; empty output chunks are skipped. */
export function canonicalizeChunks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  return convertChunks(source, () => new CrlfCanonicalizer());
}
