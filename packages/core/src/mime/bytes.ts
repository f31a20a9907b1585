/** Small byte helpers shared by the MIME modules (internal; not exported from the index). */
import { isAscii, isUtf8 } from "node:buffer";

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const TAB = 0x09;
/** A fresh CRLF (never a shared, mutable constant). */
export function crlf(): Uint8Array {
  return Uint8Array.of(CR, LF);
}

/** A zero-length array: nothing in it to mutate, so sharing it is safe. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** An incremental converter: output for each chunk pushed, then what it held back. */
export interface PushFlush {
  push(chunk: Uint8Array): Uint8Array;
  flush(): Uint8Array;
}

/**
 * Runs an (async) iterable of chunks through a converter made when iteration starts; empty
 * output chunks are skipped.
 */
export async function* convertChunks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  makeConverter: () => PushFlush,
): AsyncGenerator<Uint8Array> {
  const converter = makeConverter();
  for await (const chunk of source) {
    const out = converter.push(chunk);
    if (out.length > 0) yield out;
  }
  const tail = converter.flush();
  if (tail.length > 0) yield tail;
}

/** A Buffer view over the same memory (no copy), for indexOf/toString. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function latin1Bytes(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

export function concatBytes(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}

/** Header text: UTF-8 when the bytes are valid UTF-8 (RFC 6532), else latin1 (never fails). */
export function decodeHeaderText(bytes: Uint8Array): string {
  const buf = asBuffer(bytes);
  if (isAscii(buf) || !isUtf8(buf)) return buf.toString("latin1");
  return buf.toString("utf8");
}

/** Decodes bytes in a named charset; unknown labels fall back to UTF-8-or-latin1. */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  const label = charset.trim().toLowerCase();
  if (label === "" || label === "us-ascii" || label === "ascii") return decodeHeaderText(bytes);
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return decodeHeaderText(bytes);
  }
}

export function isWsp(byte: number | undefined): boolean {
  return byte === SP || byte === TAB;
}

/** Trims SP/TAB/CR/LF from both ends without a regex (a `[ \t]+$` regex is quadratic). */
export function trimWsp(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpaceCode(text.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isSpaceCode(code: number): boolean {
  return code === SP || code === TAB || code === CR || code === LF;
}
