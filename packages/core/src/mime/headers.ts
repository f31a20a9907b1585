/**
 * Header-level helpers for the S/MIME message layer: separating the outer message header
 * (From, To, Subject, Date, Message-ID, MIME-Version, …) from the Content-* fields that belong
 * to the entity being signed or encrypted (RFC 8551 §3.1: the protected object is a MIME
 * entity), and turning header input into validated CRLF bytes for the builders.
 */
import { CoreError } from "../errors.js";
import { asBuffer, concatBytes, crlf, EMPTY, LF, trimWsp } from "./bytes.js";
import { isCanonical, toCanonicalCrlf } from "./canonicalize.js";
import { type HeaderField, type MimeEntity, parseEntity } from "./parse-entity.js";

export { type ParsedAddress, parseAddressList } from "./address-list.js";
export { decodeEncodedWords } from "./encoded-words.js";

/** A header to write: a parsed field (its raw bytes are used), raw bytes, or name + value. */
export type HeaderInput =
  | HeaderField
  | { readonly raw: Uint8Array }
  | { readonly name: string; readonly value: string };

export interface SplitHeaders {
  /** Everything except Content-*: stays on the outside of a signed / encrypted message. */
  readonly outer: readonly HeaderField[];
  /** Content-* fields (RFC 2045 §9: MIME header fields all start "Content-"). */
  readonly content: readonly HeaderField[];
}

export function isContentField(name: string): boolean {
  return name.toLowerCase().startsWith("content-");
}

export function splitMessageHeaders(entity: Pick<MimeEntity, "headers">): SplitHeaders {
  const outer: HeaderField[] = [];
  const content: HeaderField[] = [];
  for (const field of entity.headers) (isContentField(field.name) ? content : outer).push(field);
  return { outer, content };
}

/**
 * The MIME entity inside a message: its Content-* fields (raw bytes, original order), the
 * blank line, and the body — what gets signed or encrypted. Bytes are not canonicalised here.
 */
export function contentEntityBytes(entity: MimeEntity): Uint8Array {
  const { content } = splitMessageHeaders(entity);
  const separator = entity.raw.subarray(entity.headerBytes.length, entity.bodyOffset);
  return concatBytes([...content.map((f) => f.raw), separator.length > 0 ? separator : crlf(), entity.body]);
}

/**
 * Validates header input and returns it as parsed fields with canonical CRLF raw bytes. Raw
 * input must be whole header lines (folded lines start with WSP) and contain no blank line, so
 * nothing can smuggle a body or extra fields in; name/value input must be one line.
 */
export function normalizeHeaders(input: readonly HeaderInput[] | Uint8Array): HeaderField[] {
  if (input instanceof Uint8Array) return parseHeaderBlock(input, undefined);
  const out: HeaderField[] = [];
  for (const item of input) {
    if ("raw" in item) {
      out.push(...parseHeaderBlock(item.raw, 1));
    } else {
      out.push(fieldFromText(item.name, item.value));
    }
  }
  return out;
}

function parseHeaderBlock(raw: Uint8Array, expected: number | undefined): HeaderField[] {
  let block = toCanonicalCrlf(raw);
  if (block.length > 0 && block[block.length - 1] !== LF) block = concatBytes([block, crlf()]);
  const entity = (() => {
    try {
      return parseEntity(concatBytes([block, crlf()]));
    } catch (cause) {
      throw new CoreError("invalid-argument", "header bytes are not valid header fields", { cause });
    }
  })();
  if (entity.headerBytes.length !== block.length) {
    throw new CoreError("invalid-argument", "header bytes contain a blank line");
  }
  if (expected !== undefined && entity.headers.length !== expected) {
    throw new CoreError(
      "invalid-argument",
      `expected ${expected} header field, found ${entity.headers.length}`,
    );
  }
  return [...entity.headers];
}

function fieldFromText(name: string, value: string): HeaderField {
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
    throw new CoreError("invalid-argument", `invalid header field name ${JSON.stringify(name)}`);
  }
  if (/[\r\n\0]/.test(value)) {
    throw new CoreError("invalid-argument", `header ${name} value contains CR, LF or NUL`);
  }
  const raw = Buffer.from(`${name}: ${value}\r\n`, "utf8");
  if (raw.length > 1000) throw new CoreError("invalid-argument", `header ${name} is longer than 998 bytes`);
  return { name, value: trimWsp(value), raw };
}

/** Concatenates fields' raw bytes (each already ends in CRLF after normalizeHeaders). */
export function serializeHeaders(fields: readonly HeaderField[]): Uint8Array {
  if (fields.length === 0) return EMPTY;
  const bytes = concatBytes(fields.map((f) => f.raw));
  return isCanonical(bytes) ? bytes : toCanonicalCrlf(asBuffer(bytes));
}
