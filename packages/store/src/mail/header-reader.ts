import { TextDecoder } from "node:util";

/**
 * A minimal reader for a message's header block (RFC 5322 §2.2), enough for listing
 * metadata and rule conditions. It is a stand-in until core's MIME module exports one;
 * message-metadata.ts is the only caller, so swapping it is one import.
 *
 * Only the header block is looked at: the body of a 50 MB message is never scanned, and
 * the search for the blank line stops after MAX_HEADER_BYTES (a message whose header block
 * is longer is read up to there, and treated as having no body for metadata purposes).
 */
export interface HeaderField {
  /** As written (case kept); compare case-insensitively. */
  name: string;
  /** Unfolded (RFC 5322 §2.2.3), not decoded, without the leading blank. */
  value: string;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** Offset of the first body byte (after the blank line), or raw.length when there is none. */
  bodyOffset: number;
}

/** Stops a header block without an end from being read for ever (RFC 5322 sets no limit; real ones are < 64 KiB). */
export const MAX_HEADER_BYTES = 256 * 1024;

const CRLFCRLF = Buffer.from("\r\n\r\n");
const LFLF = Buffer.from("\n\n");

export function findBodyOffset(raw: Uint8Array): { headerEnd: number; bodyOffset: number } {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, MAX_HEADER_BYTES + 4));
  if (buf[0] === 0x0a) return { headerEnd: 0, bodyOffset: 1 };
  if (buf[0] === 0x0d && buf[1] === 0x0a) return { headerEnd: 0, bodyOffset: 2 };
  const crlf = buf.indexOf(CRLFCRLF);
  const lf = buf.indexOf(LFLF);
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { headerEnd: crlf + 2, bodyOffset: crlf + 4 };
  if (lf !== -1) return { headerEnd: lf + 1, bodyOffset: lf + 2 };
  const end = Math.min(raw.byteLength, MAX_HEADER_BYTES);
  return { headerEnd: end, bodyOffset: raw.byteLength };
}

/** Header text: UTF-8 when it is valid UTF-8 (RFC 6532), else Latin-1 so no byte is lost. */
function decodeHeaderBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  }
}

export function readHeader(raw: Uint8Array): HeaderBlock {
  const { headerEnd, bodyOffset } = findBodyOffset(raw);
  const text = decodeHeaderBytes(raw.subarray(0, headerEnd));
  const fields: HeaderField[] = [];
  let current: HeaderField | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === "") continue;
    if (line[0] === " " || line[0] === "\t") {
      if (current) current.value += line;
      continue;
    }
    const colon = line.indexOf(":");
    // An mbox "From " separator or other junk: not a field (field names are printable ASCII, no blanks).
    if (colon <= 0 || !/^[!-9;-~]+$/.test(line.slice(0, colon))) {
      current = undefined;
      continue;
    }
    current = { name: line.slice(0, colon), value: line.slice(colon + 1).replace(/^[ \t]+/, "") };
    fields.push(current);
  }
  return { fields, bodyOffset };
}

/** Every value of a field, in order. */
export function headerValues(fields: readonly HeaderField[], name: string): string[] {
  const wanted = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === wanted).map((f) => f.value);
}

export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  return headerValues(fields, name)[0];
}
