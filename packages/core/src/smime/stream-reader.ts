/**
 * Pull-side helpers for the streaming message path: a reader over an AsyncIterable of chunks
 * that counts bytes against the message-size limit and can put bytes back, and a push-side
 * collector that finds the end of a header block (RFC 5322 §2.1, §2.2.3) with the same rules as
 * parseEntity. Bytes kept across pulls are copied; chunks passed on are the producer's views.
 */
import { CoreError } from "../errors.js";
import { EMPTY } from "../mime/bytes.js";
import type { MimeLimits } from "../mime/limits.js";
import { type MimeEntity, parseEntityAt } from "../mime/parse-entity.js";

const CR = 0x0d;
const LF = 0x0a;

export type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export class StreamReader {
  readonly #iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  readonly #maxBytes: number;
  readonly #back: Uint8Array[] = [];
  #done = false;
  /** Bytes pulled from the source so far. */
  consumed = 0;

  constructor(source: ChunkSource, maxBytes = Number.POSITIVE_INFINITY) {
    const asyncFn = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator];
    this.#iterator = asyncFn ? asyncFn.call(source) : (source as Iterable<Uint8Array>)[Symbol.iterator]();
    this.#maxBytes = maxBytes;
  }

  /** The next non-empty chunk, or undefined at the end. */
  async next(): Promise<Uint8Array | undefined> {
    const back = this.#back.pop();
    if (back) return back;
    while (!this.#done) {
      const step = await this.#iterator.next();
      if (step.done) {
        this.#done = true;
        break;
      }
      const chunk = step.value;
      if (!(chunk instanceof Uint8Array))
        throw new CoreError("invalid-argument", "the message stream must yield Uint8Array chunks");
      if (chunk.length === 0) continue;
      this.consumed += chunk.length;
      if (this.consumed > this.#maxBytes)
        throw new CoreError("limit-exceeded", `message is over the limit of ${this.#maxBytes} bytes`);
      return chunk;
    }
    return undefined;
  }

  /** Puts bytes back in front of the stream (they must be the caller's own, not a reused buffer). */
  unshift(chunk: Uint8Array): void {
    if (chunk.length > 0) this.#back.push(chunk);
  }

  /** Every remaining chunk. */
  async *rest(): AsyncGenerator<Uint8Array> {
    for (let c = await this.next(); c !== undefined; c = await this.next()) yield c;
  }

  /**
   * Reads (copies) chunks until more than `limit` bytes arrived or the stream ended; `ended`
   * says which. Unshift the parts to replay them (each as small as the chunk it copies).
   */
  async readUpTo(limit: number): Promise<{ parts: Uint8Array[]; length: number; ended: boolean }> {
    const parts: Uint8Array[] = [];
    let length = 0;
    while (length <= limit) {
      const c = await this.next();
      if (c === undefined) return { parts, length, ended: true };
      parts.push(Buffer.from(c));
      length += c.length;
    }
    return { parts, length, ended: false };
  }

  /** Puts several chunks back, in stream order. */
  unshiftAll(chunks: readonly Uint8Array[]): void {
    for (let i = chunks.length - 1; i >= 0; i--) this.unshift(chunks[i] as Uint8Array);
  }

  /** Stops the source early (consumer gave up, or an error). */
  async close(): Promise<void> {
    this.#back.length = 0;
    if (!this.#done) {
      this.#done = true;
      await this.#iterator.return?.();
    }
  }
}

/** The header block of an entity: `raw` is the header fields plus the blank line (if any). */
export interface EntityHead {
  entity: MimeEntity;
  /** Body bytes that arrived with the header (owned). */
  rest: Uint8Array;
}

/**
 * Collects a header block pushed in pieces and says where the body starts, as parseEntity
 * does: at the blank line, or at the first line that is neither a field nor a continuation.
 */
export class HeaderCollector {
  readonly #limits: MimeLimits;
  readonly #depth: number;
  #buf = Buffer.allocUnsafe(4096);
  #length = 0;
  /** Start of the first line not yet classified. */
  #line = 0;
  /** Where the search for that line's LF resumes (chunks may arrive a byte at a time). */
  #searchFrom = 0;
  #sawField = false;

  constructor(limits: MimeLimits, depth = 0) {
    this.#limits = limits;
    this.#depth = depth;
  }

  /** Returns the head once the body's start is known, else undefined (keep pushing). */
  push(chunk: Uint8Array): EntityHead | undefined {
    this.#append(chunk);
    const end = this.#scan();
    return end === undefined ? undefined : this.#finish(end);
  }

  /** End of input: the last, unterminated line is judged like the others (parseEntity's rule). */
  end(): EntityHead {
    const buf = this.#buf;
    const pos = this.#line;
    let contentEnd = this.#length;
    if (contentEnd > pos && buf[contentEnd - 1] === CR) contentEnd--;
    const continuation = (buf[pos] === 0x20 || buf[pos] === 0x09) && this.#sawField;
    const field = contentEnd === pos || continuation || isFieldLine(buf, pos, contentEnd);
    return this.#finish(field ? this.#length : pos);
  }

  #append(chunk: Uint8Array): void {
    if (this.#length + chunk.length > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#length + chunk.length));
      this.#buf.copy(grown, 0, 0, this.#length);
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#length);
    this.#length += chunk.length;
  }

  /** The body offset when it is decided by the complete lines seen so far. */
  #scan(): number | undefined {
    const buf = this.#buf;
    for (;;) {
      const pos = this.#line;
      const lf = buf.subarray(0, this.#length).indexOf(LF, Math.max(pos, this.#searchFrom));
      if (lf === -1) {
        this.#searchFrom = this.#length;
        // An unfinished line that can no longer be a field starts the body now (noise from a
        // wrong key, a header-less body); one that still can waits, up to the header limit.
        // Past the header limit a would-be field is refused (as parseEntity does); a line that
        // has not shown its colon by then is taken as the body (a field that long is refused).
        const continuation = (buf[pos] === 0x20 || buf[pos] === 0x09) && this.#sawField;
        const lone = this.#length - pos === 1 && buf[pos] === CR; // maybe the blank line's CR
        const prefix = continuation || lone ? "field" : fieldPrefix(buf, pos, this.#length);
        const over = this.#length > this.#limits.maxHeaderBytes; // where parseEntity counts too
        if (prefix === "no" || (prefix === "maybe" && over)) return pos;
        if (over)
          throw new CoreError(
            "limit-exceeded",
            `MIME: header block larger than ${this.#limits.maxHeaderBytes} bytes`,
          );
        return undefined;
      }
      const contentEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
      if (contentEnd === pos) return lf + 1; // the blank line (RFC 5322 §2.1)
      const continuation = (buf[pos] === 0x20 || buf[pos] === 0x09) && this.#sawField;
      if (!continuation && !isFieldLine(buf, pos, contentEnd)) return pos; // body without a blank line
      if (lf + 1 > this.#limits.maxHeaderBytes)
        throw new CoreError(
          "limit-exceeded",
          `MIME: header block larger than ${this.#limits.maxHeaderBytes} bytes`,
        );
      this.#sawField = true;
      this.#line = lf + 1;
    }
  }

  #finish(bodyOffset: number): EntityHead {
    const head = Buffer.from(this.#buf.subarray(0, bodyOffset));
    const rest =
      bodyOffset < this.#length ? Buffer.from(this.#buf.subarray(bodyOffset, this.#length)) : EMPTY;
    this.#buf = Buffer.alloc(0);
    this.#length = 0;
    return { entity: parseEntityAt(head, this.#limits, this.#depth, 0), rest };
  }
}

/** RFC 5322 §2.2: printable ASCII name (obs: WSP before the colon, §4.5), then ":" — parseEntity's rule. */
function isFieldLine(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = buf[i] as number;
    if (c === 0x3a || c < 33 || c > 126) break;
    i++;
  }
  if (i === start) return false;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  return i < end && buf[i] === 0x3a;
}

/** Whether the start of a line can still become a field line (isFieldLine's rule, unfinished). */
function fieldPrefix(buf: Buffer, start: number, end: number): "field" | "maybe" | "no" {
  let i = start;
  while (i < end) {
    const c = buf[i] as number;
    if (c === 0x3a || c < 33 || c > 126) break;
    i++;
  }
  if (i === end) return "maybe";
  if (i === start) return "no";
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  if (i === end) return "maybe";
  return buf[i] === 0x3a ? "field" : "no";
}

/** Reads an entity's header block from the reader; body bytes that came with it are put back. */
export async function readEntityHead(
  reader: StreamReader,
  limits: MimeLimits,
  depth = 0,
): Promise<MimeEntity> {
  const collector = new HeaderCollector(limits, depth);
  for (;;) {
    const chunk = await reader.next();
    const head = chunk === undefined ? collector.end() : collector.push(chunk);
    if (head) {
      reader.unshift(head.rest);
      return head.entity;
    }
  }
}

/**
 * Messages up to this size are read whole (copied) and handled by the buffer functions —
 * exactly their results; above it the streaming path runs. 256 KiB: nearly all text mail, and
 * small next to what streaming is for.
 */
export const STREAM_BUFFER_BELOW = 256 * 1024;
