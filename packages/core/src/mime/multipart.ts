/**
 * Splits a multipart body into byte-exact parts (RFC 2046 §5.1.1). The CRLF (or LF) before a
 * delimiter belongs to the delimiter, so part 1 of a multipart/signed is exactly the signed
 * bytes (RFC 1847 §2.1, RFC 8551 §3.5.3). A delimiter line is "--" boundary, optional "--",
 * optional transport padding (SP/TAB), then a line ending or the end of the body; a line that
 * merely starts with "--boundary" is content (the BNF of §5.1.1).
 */
import { CoreError } from "../errors.js";
import { asBuffer, CR, isWsp, LF } from "./bytes.js";
import { limitExceeded, type MimeLimits, resolveMimeLimits } from "./limits.js";
import { entityContentType, type MimeEntity, parseEntityAt } from "./parse-entity.js";

export interface MimePart {
  /** Offset of the part's first byte in the buffer the root entity was parsed from. */
  readonly start: number;
  /** Offset just past the part's last byte (before the delimiter's CRLF), same buffer. */
  readonly end: number;
  /** The part's exact bytes (a subarray, no copy). */
  readonly bytes: Uint8Array;
  /** The part parsed as an entity (depth = parent depth + 1). */
  readonly entity: MimeEntity;
}

export interface MultipartSplit {
  readonly boundary: string;
  readonly parts: readonly MimePart[];
  /** Bytes before the first delimiter (ignored by readers, RFC 2046 §5.1.1). */
  readonly preamble: Uint8Array;
  /** Bytes after the close-delimiter line; empty when there is none. */
  readonly epilogue: Uint8Array;
  /** False when the body ended without a "--boundary--" line; the last part then runs to the end. */
  readonly closed: boolean;
}

export interface SplitOptions {
  limits?: Partial<MimeLimits>;
  /** Throw CoreError("malformed") when the close delimiter is missing. */
  requireClose?: boolean;
}

interface Delimiter {
  /** Start of the line ending that precedes "--boundary" (or the "--" itself at body start). */
  readonly lineStart: number;
  /** Just past the delimiter line's own line ending. */
  readonly next: number;
  readonly close: boolean;
}

export function splitMultipart(entity: MimeEntity, options: SplitOptions = {}): MultipartSplit {
  const limits = resolveMimeLimits(options.limits);
  const ct = entityContentType(entity);
  if (ct.type !== "multipart") throw malformed(`not a multipart entity (${ct.mediaType})`);
  const boundary = ct.params.boundary;
  if (boundary === undefined || boundary === "") throw malformed(`${ct.mediaType} has no boundary parameter`);
  // RFC 2046 §5.1.1: 1..70 characters from a 7-bit set. We accept any printable ASCII up to 200.
  if (boundary.length > 200 || !/^[\x20-\x7e]+$/.test(boundary))
    throw malformed("invalid boundary parameter");
  if (entity.depth + 1 > limits.maxDepth)
    throw limitExceeded(`entities nested deeper than ${limits.maxDepth}`);

  const delimiters = findDelimiters(entity, boundary, limits);
  const first = delimiters[0];
  if (first === undefined) throw malformed(`no "--${boundary}" delimiter line in the body`);
  const last = delimiters[delimiters.length - 1] as Delimiter;
  const closed = last.close;
  if (!closed && options.requireClose) throw malformed(`missing close delimiter "--${boundary}--"`);

  const raw = entity.raw;
  const parts: MimePart[] = [];
  for (let i = 0; i < delimiters.length; i++) {
    const d = delimiters[i] as Delimiter;
    if (d.close) break;
    const start = d.next;
    const end = Math.max(start, delimiters[i + 1]?.lineStart ?? raw.length);
    const bytes = raw.subarray(start, end);
    const nested = parseEntityAt(bytes, limits, entity.depth + 1, entity.offset + start);
    parts.push({ start: entity.offset + start, end: entity.offset + end, bytes, entity: nested });
  }
  return {
    boundary,
    parts,
    preamble: raw.subarray(entity.bodyOffset, first.lineStart),
    epilogue: closed ? raw.subarray(last.next) : raw.subarray(raw.length),
    closed,
  };
}

function findDelimiters(entity: MimeEntity, boundary: string, limits: MimeLimits): Delimiter[] {
  const buf = asBuffer(entity.raw);
  const dash = Buffer.from(`--${boundary}`, "latin1");
  const bodyStart = entity.bodyOffset;
  const found: Delimiter[] = [];
  let from = bodyStart;
  while (from < buf.length) {
    const p = buf.indexOf(dash, from);
    if (p === -1) break;
    from = p + 1;
    if (p !== bodyStart && buf[p - 1] !== LF) continue; // not at the start of a line
    let q = p + dash.length;
    let close = false;
    if (buf[q] === 0x2d && buf[q + 1] === 0x2d) {
      close = true;
      q += 2;
    }
    while (isWsp(buf[q])) q++; // transport padding
    if (q < buf.length) {
      if (buf[q] === LF) q += 1;
      else if (buf[q] === CR && buf[q + 1] === LF) q += 2;
      else continue; // "--boundary" followed by other text: content, not a delimiter
    }
    let lineStart = p;
    if (p !== bodyStart) lineStart = p - 2 >= bodyStart && buf[p - 2] === CR ? p - 2 : p - 1;
    found.push({ lineStart, next: q, close });
    if (close) break;
    if (found.length > limits.maxParts) throw limitExceeded(`more than ${limits.maxParts} body parts`);
    from = q;
  }
  return found;
}

export interface SignedSplit {
  readonly boundary: string;
  /** protocol parameter, lowercased (RFC 1847 §2.1), e.g. "application/pkcs7-signature". */
  readonly protocol: string;
  /** micalg parameter split on commas, lowercased; empty when absent (it is only a hint). */
  readonly micalg: readonly string[];
  /** Part 1: its `bytes` are exactly the signed bytes. */
  readonly signed: MimePart;
  /** Part 2: the signature entity. */
  readonly signature: MimePart;
}

/**
 * multipart/signed (RFC 1847 §2.1): exactly two parts, a protocol parameter and a close
 * delimiter. A missing close delimiter matters here (a truncated message), so it is an error.
 */
export function splitSigned(
  entity: MimeEntity,
  options: Omit<SplitOptions, "requireClose"> = {},
): SignedSplit {
  const ct = entityContentType(entity);
  if (ct.mediaType !== "multipart/signed") throw malformed(`not multipart/signed (${ct.mediaType})`);
  const protocol = ct.params.protocol?.trim().toLowerCase();
  if (!protocol) throw malformed("multipart/signed has no protocol parameter");
  const split = splitMultipart(entity, { ...options, requireClose: true });
  const [signed, signature] = split.parts;
  if (split.parts.length !== 2 || signed === undefined || signature === undefined) {
    throw malformed(`multipart/signed must have exactly 2 parts, found ${split.parts.length}`);
  }
  const micalg = (ct.params.micalg ?? "")
    .split(",")
    .map((m) => m.trim().toLowerCase())
    .filter((m) => m !== "");
  return { boundary: split.boundary, protocol, micalg, signed, signature };
}

function malformed(message: string): CoreError {
  return new CoreError("malformed", `MIME: ${message}`);
}
