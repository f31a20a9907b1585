/**
 * Parameterised header values: Content-Type (RFC 2045 §5.1) and Content-Disposition
 * (RFC 2183), with quoted strings and comments (RFC 5322 §3.2.2, §3.2.4) and RFC 2231
 * parameter value continuations and charsets (§3, §4, §4.1). Never throws: a value too broken
 * to read falls back to the RFC 2045 §5.2 default.
 */
import { decodeCharset, trimWsp } from "./bytes.js";

export interface ContentType {
  /** Lowercased, e.g. "multipart". */
  readonly type: string;
  /** Lowercased, e.g. "signed". */
  readonly subtype: string;
  /** `${type}/${subtype}`, e.g. "multipart/signed". */
  readonly mediaType: string;
  /** Parameter names lowercased; RFC 2231 continuations joined and decoded. */
  readonly params: Readonly<Record<string, string>>;
}

export interface HeaderParams {
  /** The value before the first ";", comments and whitespace removed, lowercased. */
  readonly value: string;
  readonly params: Readonly<Record<string, string>>;
}

const TSPECIALS = '()<>@,;:\\"/[]?=';

/** True for an RFC 2045 §5.1 token: printable ASCII, no space, no tspecials. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 127 || TSPECIALS.includes(text.charAt(i))) return false;
  }
  return true;
}

/** Parses `Content-Type`; missing, empty or invalid → text/plain; charset=us-ascii (RFC 2045 §5.2). */
export function parseContentType(value: string | undefined): ContentType {
  const parsed = value === undefined ? undefined : parseHeaderParams(value);
  const slash = parsed ? parsed.value.indexOf("/") : -1;
  const type = parsed ? parsed.value.slice(0, slash) : "";
  const subtype = parsed ? parsed.value.slice(slash + 1) : "";
  if (!parsed || slash < 0 || !isToken(type) || !isToken(subtype)) {
    const params: Record<string, string> = Object.create(null);
    params.charset = "us-ascii";
    return { type: "text", subtype: "plain", mediaType: "text/plain", params };
  }
  return { type, subtype, mediaType: `${type}/${subtype}`, params: parsed.params };
}

/** Parses `Content-Disposition` (RFC 2183 §2): disposition type lowercased, plus parameters. */
export function parseContentDisposition(value: string | undefined): HeaderParams {
  return parseHeaderParams(value ?? "");
}

interface Cursor {
  readonly s: string;
  i: number;
}

interface Rfc2231Segment {
  readonly index: number;
  readonly encoded: boolean;
  readonly value: string;
}

/** Splits `value *(";" name "=" value)`; first occurrence of a plain parameter wins. */
export function parseHeaderParams(input: string): HeaderParams {
  const c: Cursor = { s: input, i: 0 };
  const semi = findUnquoted(input, 0, ";");
  const value = stripComments(input.slice(0, semi)).replace(/\s+/g, "").toLowerCase();
  c.i = semi;
  const params: Record<string, string> = Object.create(null);
  const extended = new Map<string, Rfc2231Segment[]>();
  while (c.i < input.length) {
    c.i++; // past ";"
    skipCfws(c);
    const next = findUnquoted(input, c.i, ";");
    const eq = findUnquoted(input, c.i, "=", next);
    if (eq >= next) {
      c.i = next; // a parameter without "=": ignore it
      continue;
    }
    const name = trimWsp(input.slice(c.i, eq)).toLowerCase();
    c.i = eq + 1;
    skipCfws(c);
    const raw = readParamValue(c);
    const m = /^([^*]+)\*(?:(\d{1,3})(\*)?)?$/.exec(name);
    if (m) {
      const base = m[1] as string;
      const index = m[2] === undefined ? 0 : Number(m[2]);
      const encoded = m[2] === undefined ? true : m[3] === "*";
      const list = extended.get(base) ?? [];
      list.push({ index, encoded, value: raw });
      extended.set(base, list);
    } else if (isToken(name) && !(name in params)) {
      params[name] = raw;
    }
  }
  for (const [base, segments] of extended) params[base] = joinRfc2231(segments);
  return { value, params };
}

/** Reads a quoted string or a (leniently) unquoted value; leaves the cursor at ";" or the end. */
function readParamValue(c: Cursor): string {
  const end = findUnquoted(c.s, c.i, ";");
  if (c.s.charAt(c.i) === '"') {
    let out = "";
    let i = c.i + 1;
    while (i < end && c.s.charAt(i) !== '"') {
      if (c.s.charAt(i) === "\\" && i + 1 < end) i++;
      out += c.s.charAt(i);
      i++;
    }
    c.i = end;
    return out.replace(/\r?\n(?=[ \t])/g, "");
  }
  // Unquoted: RFC 2045 wants a token, but real mail writes `name=my file.pdf` and
  // `boundary=----=_Part`. Take everything up to ";", minus one trailing comment.
  let text = trimWsp(c.s.slice(c.i, end));
  const comment = /\s\([^()]*\)$/.exec(text);
  if (comment) text = trimWsp(text.slice(0, comment.index));
  c.i = end;
  return text;
}

/** RFC 2231 §3/§4: join name*0, name*1, … in order (stopping at a gap), decode name*N* parts. */
function joinRfc2231(segments: readonly Rfc2231Segment[]): string {
  const byIndex = new Map<number, Rfc2231Segment>();
  for (const seg of segments) if (!byIndex.has(seg.index)) byIndex.set(seg.index, seg);
  let charset = "";
  const bytes: number[] = [];
  for (let n = 0; byIndex.has(n); n++) {
    const seg = byIndex.get(n) as Rfc2231Segment;
    let text = seg.value;
    if (seg.encoded && n === 0) {
      const parts = /^([^']*)'[^']*'(.*)$/s.exec(text);
      if (parts) {
        charset = parts[1] ?? "";
        text = parts[2] ?? "";
      }
    }
    if (seg.encoded) percentDecodeInto(text, bytes);
    else for (const b of Buffer.from(text, "utf8")) bytes.push(b);
  }
  return decodeCharset(Uint8Array.from(bytes), charset);
}

function percentDecodeInto(text: string, out: number[]): void {
  const raw = Buffer.from(text, "utf8");
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    const hex = b === 0x25 ? raw.toString("latin1", i + 1, i + 3) : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      out.push(b);
    }
  }
}

function skipCfws(c: Cursor): void {
  for (;;) {
    const ch = c.s.charAt(c.i);
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n") c.i++;
    else if (ch === "(") c.i = skipComment(c.s, c.i);
    else return;
  }
}

/** Returns the index just past the comment opening at `start` (nested, with quoted-pairs). */
function skipComment(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const ch = s.charAt(i);
    if (ch === "\\") i++;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i + 1;
  }
  return s.length;
}

function stripComments(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    if (s.charAt(i) === "(") i = skipComment(s, i);
    else out += s.charAt(i++);
  }
  return out;
}

/** Index of the first `ch` in [from, limit) outside quotes and comments, else `limit`. */
function findUnquoted(s: string, from: number, ch: string, limit = s.length): number {
  let quoted = false;
  for (let i = from; i < limit; i++) {
    const cur = s.charAt(i);
    if (cur === "\\") i++;
    else if (cur === '"') quoted = !quoted;
    else if (!quoted && cur === "(") i = skipComment(s, i) - 1;
    else if (!quoted && cur === ch) return i;
  }
  return limit;
}

/**
 * Formats one parameter for a header: a bare token, a quoted string for printable ASCII, or
 * RFC 2231 `name*=utf-8''…` for anything else (non-ASCII, control characters).
 */
export function formatParam(name: string, value: string): string {
  if (isToken(value)) return `${name}=${value}`;
  if (/^[\x20-\x7e]*$/.test(value)) return `${name}="${value.replace(/(["\\])/g, "\\$1")}"`;
  const encoded = [...Buffer.from(value, "utf8")]
    .map((b) =>
      isToken(String.fromCharCode(b)) && b !== 0x25 && b !== 0x27 && b !== 0x2a
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
  return `${name}*=utf-8''${encoded}`;
}

/** `value; a=b; c="d e"` — the inverse of parseHeaderParams (unfolded). */
export function formatHeaderParams(value: string, params: Readonly<Record<string, string>>): string {
  return [value, ...Object.entries(params).map(([k, v]) => formatParam(k, v))].join("; ");
}
