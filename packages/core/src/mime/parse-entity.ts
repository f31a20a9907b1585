/**
 * A byte-exact view of a MIME entity (RFC 2045 §3, RFC 5322 §2.1–§2.2): header fields keep
 * their raw bytes, folding included, and the body is a subarray of the input. Nothing is
 * re-serialised, because a signature covers exact bytes (RFC 8551 §3.1.1). CRLF and LF-only
 * line endings are both accepted. Structure never throws: a line that is not a header field
 * ends the header block there (the body starts without a blank line); only the limits throw.
 */
import { asBuffer, CR, decodeHeaderText, isWsp, LF, trimWsp } from "./bytes.js";
import { type ContentType, parseContentType } from "./content-type.js";
import { limitExceeded, type MimeLimits, resolveMimeLimits } from "./limits.js";

export { parseContentType } from "./content-type.js";

export interface HeaderField {
  /** The field name as written (case kept, trailing obs-WSP removed). */
  readonly name: string;
  /** Unfolded value with surrounding whitespace trimmed; UTF-8 if valid, else latin1. */
  readonly value: string;
  /** The field's exact bytes: every folded line and the final line ending. */
  readonly raw: Uint8Array;
}

export interface MimeEntity {
  /** The whole entity as given (no copy). */
  readonly raw: Uint8Array;
  /** The header block up to and including the line ending of the last field (no blank line). */
  readonly headerBytes: Uint8Array;
  /** Offset of the body in `raw`: just past the blank line, or `raw.length` if there is none. */
  readonly bodyOffset: number;
  /** `raw.subarray(bodyOffset)`. */
  readonly body: Uint8Array;
  readonly headers: readonly HeaderField[];
  /** Nesting depth: 0 for what parseEntity was given, +1 per multipart / message level. */
  readonly depth: number;
  /** Offset of `raw` within the buffer parseEntity was first given. */
  readonly offset: number;
}

/** Parses the header block of an entity; the body is left as bytes. */
export function parseEntity(raw: Uint8Array, limits?: Partial<MimeLimits>): MimeEntity {
  return parseEntityAt(raw, resolveMimeLimits(limits), 0, 0);
}

/** parseEntity for a nested entity (used by multipart splitting); enforces maxDepth. */
export function parseEntityAt(
  raw: Uint8Array,
  limits: MimeLimits,
  depth: number,
  offset: number,
): MimeEntity {
  if (depth > limits.maxDepth) throw limitExceeded(`entities nested deeper than ${limits.maxDepth}`);
  const buf = asBuffer(raw);
  const fields: HeaderField[] = [];
  let pos = 0;
  let fieldStart = -1;
  let headerEnd = buf.length;
  let bodyOffset = buf.length;
  while (pos < buf.length) {
    const lf = buf.indexOf(LF, pos);
    const lineEnd = lf === -1 ? buf.length : lf + 1;
    let contentEnd = lf === -1 ? buf.length : lf;
    if (contentEnd > pos && buf[contentEnd - 1] === CR) contentEnd--;
    if (contentEnd === pos) {
      // The blank line that ends the header block (RFC 5322 §2.1).
      headerEnd = pos;
      bodyOffset = lineEnd;
      break;
    }
    const continuation = isWsp(buf[pos]) && fieldStart >= 0; // folding (RFC 5322 §2.2.3)
    if (!continuation && !isFieldLine(buf, pos, contentEnd)) {
      // Not a header line: the body starts here without a blank line. Real writers do this,
      // e.g. `openssl cms -sign` emits a header-less first part; RFC 2046 §5.1.1 wants a blank line.
      headerEnd = pos;
      bodyOffset = pos;
      break;
    }
    if (lineEnd > limits.maxHeaderBytes) {
      throw limitExceeded(`header block larger than ${limits.maxHeaderBytes} bytes`);
    }
    if (!continuation) {
      if (fieldStart >= 0) fields.push(makeField(raw, fieldStart, pos));
      if (fields.length >= limits.maxHeaderFields) {
        throw limitExceeded(`more than ${limits.maxHeaderFields} header fields`);
      }
      fieldStart = pos;
    }
    pos = lineEnd;
  }
  if (fieldStart >= 0) fields.push(makeField(raw, fieldStart, headerEnd));
  return {
    raw,
    headerBytes: raw.subarray(0, headerEnd),
    bodyOffset,
    body: raw.subarray(bodyOffset),
    headers: fields,
    depth,
    offset,
  };
}

/** RFC 5322 §2.2 / §3.6.8: printable ASCII name (obs: WSP before the colon, §4.5), then ":". */
function isFieldLine(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = buf[i] as number;
    if (c === 0x3a) break;
    if (c < 33 || c > 126) break;
    i++;
  }
  if (i === start) return false;
  while (i < end && isWsp(buf[i])) i++;
  return i < end && buf[i] === 0x3a;
}

function makeField(raw: Uint8Array, start: number, end: number): HeaderField {
  const bytes = raw.subarray(start, end);
  const buf = asBuffer(bytes);
  const colon = buf.indexOf(0x3a); // isFieldLine found it on the first line
  let nameEnd = colon;
  while (nameEnd > 0 && isWsp(buf[nameEnd - 1])) nameEnd--;
  const name = buf.toString("latin1", 0, nameEnd);
  const value = trimWsp(unfold(decodeHeaderText(bytes.subarray(colon + 1))));
  return { name, value, raw: bytes };
}

/** Unfolding removes each CRLF (or LF) that is followed by WSP (RFC 5322 §2.2.3). */
function unfold(text: string): string {
  return text.indexOf("\n") === -1 ? text : text.replace(/\r?\n(?=[ \t])/g, "");
}

/** The first field with this name (case-insensitive), or undefined. */
export function getHeader(entity: Pick<MimeEntity, "headers">, name: string): HeaderField | undefined {
  const wanted = name.toLowerCase();
  return entity.headers.find((h) => h.name.toLowerCase() === wanted);
}

/** Every field with this name (case-insensitive), in order. */
export function getHeaders(entity: Pick<MimeEntity, "headers">, name: string): HeaderField[] {
  const wanted = name.toLowerCase();
  return entity.headers.filter((h) => h.name.toLowerCase() === wanted);
}

/** The entity's Content-Type; text/plain; charset=us-ascii when absent or invalid (RFC 2045 §5.2). */
export function entityContentType(entity: Pick<MimeEntity, "headers">): ContentType {
  return parseContentType(getHeader(entity, "content-type")?.value);
}

/** The entity's Content-Transfer-Encoding, lowercased; "7bit" when absent (RFC 2045 §6.1). */
export function entityTransferEncoding(entity: Pick<MimeEntity, "headers">): string {
  const value = getHeader(entity, "content-transfer-encoding")?.value;
  const cte = value === undefined ? "" : trimWsp(value.replace(/\([^()]*\)/g, "")).toLowerCase();
  return cte === "" ? "7bit" : cte;
}
