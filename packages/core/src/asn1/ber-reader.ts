import { CoreError } from "../errors.js";

/**
 * A small BER/DER reader that never copies: every element is described by offsets into the
 * caller's buffer, so signed bytes (signedAttrs, certificates, the content) can be hashed
 * exactly as received (RFC 5652 §5.4) and 50 MB contents are walked piece by piece instead
 * of being built into an asn1js tree (which caps at 10k nodes / 16 MiB).
 */
export interface Tlv {
  /** 0 universal, 1 application, 2 context-specific, 3 private (X.690 §8.1.2.2). */
  readonly tagClass: 0 | 1 | 2 | 3;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** The first identifier octet, e.g. 0x30 SEQUENCE, 0xa0 [0] constructed. */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just past the last content octet (before the end-of-contents octets if indefinite). */
  readonly contentEnd: number;
  /** Offset just past the whole element (after end-of-contents if indefinite). */
  readonly end: number;
  readonly indefinite: boolean;
  /** Nesting depth below the element reading started from (0): children are one deeper. */
  readonly depth: number;
}

export interface BerLimits {
  /**
   * Deepest nesting accepted, for definite and indefinite lengths alike. Stops stack
   * exhaustion from "[0][0][0]…" bombs and from ~100 KB of nested definite-length OCTET
   * STRINGs that recursive walkers (pieces, names, extensions) would descend into.
   */
  maxDepth: number;
  /** Most elements visited in one read. Stops CPU exhaustion from millions of tiny elements. */
  maxNodes: number;
}

export const DEFAULT_BER_LIMITS: BerLimits = { maxDepth: 64, maxNodes: 2_000_000 };

export interface BerContext {
  readonly limits: BerLimits;
  nodes: number;
}

export function berContext(limits: Partial<BerLimits> = {}): BerContext {
  return { limits: { ...DEFAULT_BER_LIMITS, ...limits }, nodes: 0 };
}

function malformed(message: string, offset: number): CoreError {
  return new CoreError("malformed", `ASN.1: ${message} at offset ${offset}`);
}

/**
 * Reads one element starting at `offset`, which must end at or before `limit`, at nesting
 * `depth`. Indefinite-length elements are walked (children only, recursively) to find their end.
 */
export function readTlv(
  buf: Uint8Array,
  offset: number,
  limit: number = buf.length,
  ctx: BerContext = berContext(),
  depth = 0,
): Tlv {
  if (depth > ctx.limits.maxDepth) {
    throw new CoreError("limit-exceeded", `ASN.1: nesting deeper than ${ctx.limits.maxDepth}`);
  }
  if (++ctx.nodes > ctx.limits.maxNodes) {
    throw new CoreError("limit-exceeded", `ASN.1: more than ${ctx.limits.maxNodes} elements`);
  }
  if (offset >= limit) throw malformed("unexpected end of data", offset);
  const first = buf[offset] as number;
  const tagClass = (first >> 6) as 0 | 1 | 2 | 3;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  let pos = offset + 1;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (pos >= limit) throw malformed("truncated tag", pos);
      if (i >= 4) throw malformed("tag number too large", pos);
      const b = buf[pos++] as number;
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= limit) throw malformed("truncated length", pos);
  const lengthByte = buf[pos++] as number;
  if (lengthByte === 0x80) {
    if (!constructed) throw malformed("indefinite length on a primitive element", offset);
    const contentStart = pos;
    let cursor = pos;
    for (;;) {
      if (cursor + 2 > limit) throw malformed("missing end-of-contents", cursor);
      if (buf[cursor] === 0 && buf[cursor + 1] === 0) break;
      cursor = readTlv(buf, cursor, limit, ctx, depth + 1).end;
    }
    return {
      tagClass,
      constructed,
      tagNumber,
      tag: first,
      start: offset,
      contentStart,
      contentEnd: cursor,
      end: cursor + 2,
      indefinite: true,
      depth,
    };
  }
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else {
    const count = lengthByte & 0x7f;
    if (count > 6) throw malformed("length too large", pos);
    if (pos + count > limit) throw malformed("truncated length", pos);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[pos++] as number);
  }
  const contentStart = pos;
  const contentEnd = contentStart + length;
  if (contentEnd > limit) throw malformed(`length ${length} runs past the end of its container`, offset);
  return {
    tagClass,
    constructed,
    tagNumber,
    tag: first,
    start: offset,
    contentStart,
    contentEnd,
    end: contentEnd,
    indefinite: false,
    depth,
  };
}

/** The direct children of a constructed element, read lazily (for very long piece lists). */
export function* iterateChildren(
  buf: Uint8Array,
  parent: Tlv,
  ctx: BerContext = berContext(),
): Generator<Tlv> {
  if (!parent.constructed) throw malformed("expected a constructed element", parent.start);
  let cursor = parent.contentStart;
  while (cursor < parent.contentEnd) {
    const child = readTlv(buf, cursor, parent.contentEnd, ctx, parent.depth + 1);
    yield child;
    cursor = child.end;
  }
}

export function children(buf: Uint8Array, parent: Tlv, ctx: BerContext = berContext()): Tlv[] {
  return [...iterateChildren(buf, parent, ctx)];
}

/** Reads exactly one element filling the whole buffer (trailing garbage is an error). */
export function readRoot(buf: Uint8Array, ctx: BerContext = berContext()): Tlv {
  const root = readTlv(buf, 0, buf.length, ctx);
  if (root.end !== buf.length) throw malformed(`${buf.length - root.end} trailing bytes`, root.end);
  return root;
}

/** The bytes of the whole element (identifier, length, content), no copy. */
export function rawBytes(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.start, tlv.end);
}

/** The content octets of a primitive element, no copy. */
export function contentBytes(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.contentStart, tlv.contentEnd);
}

export function expectTag(tlv: Tlv, tag: number, what: string): Tlv {
  if (tlv.tag !== tag) {
    throw malformed(
      `expected ${what} (tag 0x${tag.toString(16)}), found tag 0x${tlv.tag.toString(16)}`,
      tlv.start,
    );
  }
  return tlv;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OCTET_STRING_CONSTRUCTED: 0x24,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag byte: [n] constructed (0xa0 + n) or primitive (0x80 + n), n < 31. */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/**
 * The value octets of an OCTET STRING in either form: primitive, or constructed from
 * pieces (BER streaming, RFC 5652 §5.4: only the value octets count, never the piece
 * headers). `implicitTags` lists the tags accepted for the outer element besides 0x04/0x24.
 */
export function* octetStringPieces(
  buf: Uint8Array,
  tlv: Tlv,
  ctx: BerContext = berContext(),
  depth = 0,
): Generator<Uint8Array> {
  if (!tlv.constructed) {
    yield contentBytes(buf, tlv);
    return;
  }
  // Definite-length pieces nest without readTlv ever recursing: count the depth here, or
  // tens of thousands of nested pieces overflow the stack (a RangeError, not a clean error).
  if (depth >= ctx.limits.maxDepth) {
    throw new CoreError("limit-exceeded", `ASN.1: nesting deeper than ${ctx.limits.maxDepth}`);
  }
  for (const piece of iterateChildren(buf, tlv, ctx)) {
    if (piece.tagNumber !== 4 || piece.tagClass !== 0)
      throw malformed("constructed OCTET STRING holds a non-OCTET STRING", piece.start);
    yield* octetStringPieces(buf, piece, ctx, depth + 1);
  }
}

export function octetStringValue(buf: Uint8Array, tlv: Tlv, ctx: BerContext = berContext()): Uint8Array {
  if (!tlv.constructed) return contentBytes(buf, tlv);
  return Buffer.concat([...octetStringPieces(buf, tlv, ctx)]);
}

export function readOid(buf: Uint8Array, tlv: Tlv): string {
  expectTag(tlv, TAG.OID, "OBJECT IDENTIFIER");
  const bytes = contentBytes(buf, tlv);
  if (bytes.length === 0) throw malformed("empty OBJECT IDENTIFIER", tlv.start);
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (value === 0n && b === 0x80) throw malformed("non-minimal OBJECT IDENTIFIER arc", tlv.start);
    value = (value << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    } else if (i === bytes.length - 1) {
      throw malformed("truncated OBJECT IDENTIFIER", tlv.start);
    }
  }
  const first = arcs[0] as bigint;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join(".");
}

/** INTEGER as bigint (two's complement, so negative serials survive). */
export function readInteger(buf: Uint8Array, tlv: Tlv): bigint {
  expectTag(tlv, TAG.INTEGER, "INTEGER");
  const bytes = contentBytes(buf, tlv);
  if (bytes.length === 0) throw malformed("empty INTEGER", tlv.start);
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  if ((bytes[0] as number) & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value;
}

export function readSmallInteger(buf: Uint8Array, tlv: Tlv): number {
  const value = readInteger(buf, tlv);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw malformed("INTEGER too large", tlv.start);
  }
  return Number(value);
}

export function readBitString(buf: Uint8Array, tlv: Tlv): { unusedBits: number; bytes: Uint8Array } {
  expectTag(tlv, TAG.BIT_STRING, "BIT STRING");
  const content = contentBytes(buf, tlv);
  if (content.length === 0 || (content[0] as number) > 7) throw malformed("bad BIT STRING", tlv.start);
  return { unusedBits: content[0] as number, bytes: content.subarray(1) };
}

/** UTCTime (YY ≥ 50 → 19YY, RFC 5280 §4.1.2.5.1) or GeneralizedTime, in UTC. */
export function readTime(buf: Uint8Array, tlv: Tlv): Date {
  const text = Buffer.from(contentBytes(buf, tlv)).toString("latin1");
  let match: RegExpMatchArray | null;
  if (tlv.tag === TAG.UTC_TIME) {
    match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text);
    if (!match) throw malformed(`bad UTCTime "${text}"`, tlv.start);
    const yy = Number(match[1]);
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return new Date(
      Date.UTC(
        year,
        Number(match[2]) - 1,
        Number(match[3]),
        Number(match[4]),
        Number(match[5]),
        Number(match[6] ?? 0),
      ),
    );
  }
  if (tlv.tag === TAG.GENERALIZED_TIME) {
    match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(text);
    if (!match) throw malformed(`bad GeneralizedTime "${text}"`, tlv.start);
    const ms = match[7] ? Math.round(Number(`0.${match[7]}`) * 1000) : 0;
    return new Date(
      Date.UTC(
        Number(match[1]),
        Number(match[2]) - 1,
        Number(match[3]),
        Number(match[4]),
        Number(match[5]),
        Number(match[6]),
        ms,
      ),
    );
  }
  throw malformed("expected a time", tlv.start);
}

/** Any of the directory string types as a JS string. */
export function readString(buf: Uint8Array, tlv: Tlv): string {
  const bytes = Buffer.from(contentBytes(buf, tlv));
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
      return bytes.toString("utf8");
    case TAG.BMP_STRING: {
      const swapped = Buffer.from(bytes);
      if (swapped.length % 2 !== 0) throw malformed("odd-length BMPString", tlv.start);
      swapped.swap16();
      return swapped.toString("utf16le");
    }
    case TAG.UNIVERSAL_STRING: {
      let out = "";
      for (let i = 0; i + 3 < bytes.length; i += 4) {
        const point = bytes.readUInt32BE(i);
        // String.fromCodePoint throws a RangeError past U+10FFFF.
        if (point > 0x10ffff) throw malformed(`UniversalString holds U+${point.toString(16)}`, tlv.start);
        out += String.fromCodePoint(point);
      }
      return out;
    }
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.T61_STRING:
    case 0x1a: // VisibleString
    case 0x12: // NumericString
      return bytes.toString("latin1");
    default:
      throw malformed(`expected a string type, found tag 0x${tlv.tag.toString(16)}`, tlv.start);
  }
}
