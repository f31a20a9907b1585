/**
 * Quoted-Printable (RFC 2045 §6.7). The decoder is tolerant, as §6.7 asks of robust readers:
 * a "=" not followed by two hex digits is kept literally, lowercase hex is accepted, and
 * trailing whitespace on a line is dropped (rule 3). The encoder makes text safe to sign for
 * 7-bit transport (RFC 8551 §3.1.3): it escapes trailing whitespace, 8-bit and control bytes,
 * a "From " or "." at the start of any output line, and soft-breaks lines at 76 columns.
 */
import { asBuffer } from "./bytes.js";

// Local constants: hot loops must not read imported bindings (some loaders make them getters).
const CR = 0x0d;
const LF = 0x0a;
const EQ = 0x3d;
const SP = 0x20;
const TAB = 0x09;

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Decodes a QP body. Hard line breaks are kept exactly as written (CRLF or LF). */
export function qpDecode(bytes: Uint8Array): Uint8Array {
  const buf = asBuffer(bytes);
  const out = Buffer.allocUnsafe(buf.length);
  let o = 0;
  let pos = 0;
  let nextEq = buf.indexOf(EQ);
  while (pos < buf.length) {
    const lf = buf.indexOf(LF, pos);
    const lineEnd = lf === -1 ? buf.length : lf + 1;
    let end = lf === -1 ? buf.length : lf;
    if (end > pos && buf[end - 1] === CR && lf !== -1) end--;
    const eolStart = end;
    while (end > pos && (buf[end - 1] === SP || buf[end - 1] === TAB)) end--; // rule 3: trailing whitespace is transport noise
    const soft = end > pos && buf[end - 1] === EQ;
    if (soft) end--;
    let i = pos;
    while (i < end) {
      if (nextEq !== -1 && nextEq < i) nextEq = buf.indexOf(EQ, i);
      if (nextEq === -1 || nextEq >= end) {
        o = copyRun(buf, out, o, i, end);
        break;
      }
      o = copyRun(buf, out, o, i, nextEq);
      const hi = nextEq + 2 < end ? hexValue(buf[nextEq + 1]) : -1;
      const lo = hi === -1 ? -1 : hexValue(buf[nextEq + 2]);
      if (lo !== -1) {
        out[o++] = hi * 16 + lo;
        i = nextEq + 3;
      } else {
        out[o++] = EQ; // not an escape: keep the "=" (§6.7, robustness note)
        i = nextEq + 1;
      }
    }
    if (!soft) o = copyRun(buf, out, o, eolStart, lineEnd);
    pos = lineEnd;
  }
  return out.subarray(0, o);
}

/** Copies buf[from, to) to out at o; short runs by hand (a native call costs more). */
function copyRun(buf: Buffer, out: Buffer, o: number, from: number, to: number): number {
  if (to - from > 32) return o + buf.copy(out, o, from, to);
  let at = o;
  for (let i = from; i < to; i++) out[at++] = buf[i] as number;
  return at;
}

const HEX = "0123456789ABCDEF";

export interface QpEncodeOptions {
  /** Longest output line, the soft-break "=" included (RFC 2045 §6.7 rule 5: 76). */
  lineLength?: number;
}

/**
 * Encodes text as QP with canonical CRLF hard line breaks (bare LF and lone CR become CRLF).
 * qpDecode(qpEncode(x)) equals toCanonicalCrlf(x).
 */
export function qpEncode(bytes: Uint8Array, options: QpEncodeOptions = {}): Uint8Array {
  const max = Math.max(4, Math.min(998, options.lineLength ?? 76));
  const buf = asBuffer(bytes);
  let out: Buffer = Buffer.allocUnsafe(Math.max(256, Math.ceil(buf.length * 1.2) + 16));
  let o = 0;
  let col = 0;
  for (let i = 0; i < buf.length; i++) {
    if (o + 16 > out.length) out = grow(out, o, buf.length - i);
    const c = buf[i] as number;
    if (c > SP && c < 0x7f && c !== EQ && col > 0 && col < max - 2) {
      out[o++] = c; // fast path: printable, mid-line, far from the soft-break column
      col++;
      continue;
    }
    if (c === LF || c === CR) {
      if (c === CR && buf[i + 1] === LF) i++;
      out[o++] = CR;
      out[o++] = LF;
      col = 0;
      continue;
    }
    const next = buf[i + 1];
    const lastOnLine = next === undefined || next === LF || next === CR;
    let escaped = c === EQ || c > 0x7e || (c < 0x20 && c !== 0x09) || (lastOnLine && (c === SP || c === TAB));
    const width = escaped ? 3 : 1;
    // Soft break unless this character is the last of its line and still fits (§6.7 rule 5).
    if (col + width > max - 1 && !(lastOnLine && col + width <= max)) {
      out[o++] = EQ;
      out[o++] = CR;
      out[o++] = LF;
      col = 0;
    }
    if (col === 0 && (c === 0x2e || (c === 0x46 && buf.toString("latin1", i, i + 5) === "From "))) {
      escaped = true; // "." and "From " at line start are mangled by MTAs (RFC 8551 §3.1.3)
    }
    if (escaped) {
      out[o++] = EQ;
      out[o++] = HEX.charCodeAt(c >> 4);
      out[o++] = HEX.charCodeAt(c & 15);
      col += 3;
    } else {
      out[o++] = c;
      col += 1;
    }
  }
  return out.subarray(0, o);
}

function grow(out: Buffer, used: number, remaining: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, used + remaining * 4 + 64));
  out.copy(bigger, 0, 0, used);
  return bigger;
}
