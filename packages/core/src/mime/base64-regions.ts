/**
 * The native fast path of Base64Decoder (base64.ts): finds a run of whole base64 lines — what
 * every mailer writes, RFC 2045 §6.8 — decodes it with Node's decoder and proves it was valid
 * without looking at each byte in JavaScript. Anything it cannot prove goes back to the
 * validating path, which then reports the error exactly as before.
 */
const CR = 0x0d;
const LF = 0x0a;

/** Below this a chunk just takes the validating path. */
export const FAST_MIN = 1024;
/** Native decoding works on strings of at most about this many characters at a time. */
const FAST_SLICE = 64 * 1024;

export interface Region {
  start: number;
  end: number;
  /** Alphabet characters in [start, end): a multiple of 4. */
  count: number;
  /** Line stride (characters + line ending), or 0 for one unbroken run. */
  stride: number;
  /** Characters per line. */
  width: number;
}

/** Full lines from `start` on, all `L + eol` bytes long with L a multiple of 4 (76 or 64 in practice). */
export function lineRegion(buf: Buffer, start: number): Region | undefined {
  const lf = buf.indexOf(LF, start);
  if (lf === -1) return undefined;
  const eol = lf > start && buf[lf - 1] === CR ? 2 : 1;
  const width = lf + 1 - start - eol;
  if (width < 4 || width % 4 !== 0 || width > 996) return undefined;
  const stride = width + eol;
  let end = start;
  while (
    end + stride <= buf.length &&
    buf[end + stride - 1] === LF &&
    (eol === 1 || buf[end + stride - 2] === CR)
  )
    end += stride;
  return { start, end, count: ((end - start) / stride) * width, stride, width };
}

/** A chunk without line breaks: its whole quanta. */
export function unbrokenRegion(buf: Buffer): Region | undefined {
  const end = buf.length - (buf.length % 4);
  return end === 0 ? undefined : { start: 0, end, count: end, stride: 0, width: 0 };
}

/**
 * Decodes a region into `out` and proves it was valid: no "-" or "_" (which Node's decoder
 * takes as base64url) and no "=", and exactly count / 4 * 3 bytes out — Node skips every other
 * byte that is not in the alphabet, so a stray byte shows as a short count. False: use the validating path.
 */
export function decodeRegion(buf: Buffer, region: Region, out: Buffer, offset: number): boolean {
  const span = buf.subarray(region.start, region.end);
  if (span.indexOf(0x2d) !== -1 || span.indexOf(0x5f) !== -1 || span.indexOf(0x3d) !== -1) return false;
  const step =
    region.stride === 0 ? FAST_SLICE : Math.max(1, Math.floor(FAST_SLICE / region.stride)) * region.stride;
  let o = offset;
  for (let s = region.start; s < region.end; s += step) {
    const e = Math.min(region.end, s + step);
    const chars = region.stride === 0 ? e - s : ((e - s) / region.stride) * region.width;
    const written = out.write(buf.toString("latin1", s, e), o, "base64");
    if (written !== (chars / 4) * 3) return false;
    o += written;
  }
  return true;
}
