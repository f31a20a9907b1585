import { CoreError } from "../../errors.js";

/**
 * Pull-style reader over an async byte stream, for parsing BER incrementally (X.690 §8.1)
 * without ever holding the whole message: small elements are taken as contiguous bytes
 * (copied only when they straddle chunks), content is passed on as zero-copy subarrays of
 * the chunks it arrived in. `position` is the absolute offset of the next unread byte.
 */
export interface BerHeader {
  tag: number;
  constructed: boolean;
  /** Offset of the identifier octet. */
  start: number;
  headerLength: number;
  /** Content length, or null for the indefinite form. */
  length: number | null;
  /** The identifier and length octets exactly as received. */
  raw: Uint8Array;
}

function malformed(message: string, offset: number): CoreError {
  return new CoreError("malformed", `ASN.1: ${message} at offset ${offset}`);
}

export class ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private readonly chunks: Uint8Array[] = [];
  private head = 0; // offset into chunks[0]
  private available = 0;
  private done = false;
  position = 0;

  constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    const asyncFn = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator];
    this.iterator = asyncFn ? asyncFn.call(source) : (source as Iterable<Uint8Array>)[Symbol.iterator]();
  }

  /** Ensures at least n unread bytes are buffered; false when the stream ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.available < n && !this.done) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const chunk = next.value;
      if (!(chunk instanceof Uint8Array))
        throw new CoreError("invalid-argument", "the source must yield Uint8Array chunks");
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.available += chunk.length;
    }
    return this.available >= n;
  }

  /** True when every byte has been read and the stream has ended. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }

  private require(n: number, what: string): void {
    if (this.available < n) throw malformed(`truncated ${what}`, this.position + this.available);
  }

  /** Up to n bytes from the current position without consuming them (a copy only across chunks). */
  peekBuffered(n: number): Uint8Array {
    const first = this.chunks[0];
    if (!first) return new Uint8Array(0);
    const want = Math.min(n, this.available);
    if (first.length - this.head >= want) return first.subarray(this.head, this.head + want);
    const out = new Uint8Array(want);
    let written = 0;
    let offset = this.head;
    for (const chunk of this.chunks) {
      const part = chunk.subarray(offset, offset + (want - written));
      out.set(part, written);
      written += part.length;
      offset = 0;
      if (written === want) break;
    }
    return out;
  }

  /** Consumes and returns exactly n bytes as one contiguous array. */
  async take(n: number, what: string): Promise<Uint8Array> {
    await this.fill(n);
    this.require(n, what);
    const out = this.peekBuffered(n);
    this.skipBuffered(n);
    return out;
  }

  private skipBuffered(n: number): void {
    let left = n;
    while (left > 0) {
      const first = this.chunks[0] as Uint8Array;
      const inFirst = first.length - this.head;
      if (inFirst > left) {
        this.head += left;
        break;
      }
      left -= inFirst;
      this.chunks.shift();
      this.head = 0;
    }
    this.available -= n;
    this.position += n;
  }

  /** Passes on the next n bytes as zero-copy subarrays, as they arrive. */
  async *stream(n: number, what: string): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.available === 0) {
        await this.fill(1);
        this.require(1, what);
      }
      const first = this.chunks[0] as Uint8Array;
      const take = Math.min(left, first.length - this.head);
      const part = first.subarray(this.head, this.head + take);
      this.skipBuffered(take);
      left -= take;
      yield part;
    }
  }

  /** Reads an identifier and length (X.690 §8.1.2, §8.1.3) and consumes them. */
  async readHeader(what: string): Promise<BerHeader> {
    await this.fill(16);
    return this.parseHeader(what);
  }

  /** readHeader without waiting, when enough is buffered already; undefined otherwise. */
  headerSync(what: string): BerHeader | undefined {
    return this.available >= 16 || this.done ? this.parseHeader(what) : undefined;
  }

  private parseHeader(what: string): BerHeader {
    const bytes = this.peekBuffered(16);
    const start = this.position;
    if (bytes.length < 2) throw malformed(`truncated ${what}`, start + bytes.length);
    const tag = bytes[0] as number;
    if ((tag & 0x1f) === 0x1f) throw malformed(`unexpected high tag number in ${what}`, start);
    const first = bytes[1] as number;
    let length: number | null;
    let headerLength = 2;
    if (first === 0x80) {
      if ((tag & 0x20) === 0) throw malformed(`indefinite length on a primitive ${what}`, start);
      length = null;
    } else if (first < 0x80) {
      length = first;
    } else {
      const count = first & 0x7f;
      if (count > 6) throw malformed(`length of ${what} too large`, start);
      if (bytes.length < 2 + count) throw malformed(`truncated length of ${what}`, start);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (bytes[2 + i] as number);
      headerLength += count;
    }
    const raw = Uint8Array.from(bytes.subarray(0, headerLength));
    this.skipBuffered(headerLength);
    return { tag, constructed: (tag & 0x20) !== 0, start, headerLength, length, raw };
  }

  /** The next n bytes as a zero-copy view when they sit in one buffered chunk (consumed); else undefined. */
  takeSync(n: number): Uint8Array | undefined {
    const first = this.chunks[0];
    if (!first || first.length - this.head < n) return undefined;
    const out = first.subarray(this.head, this.head + n);
    this.skipBuffered(n);
    return out;
  }

  /** Whether end-of-contents (00 00) comes next, consuming it; undefined when fewer than 2 bytes are buffered. */
  endOfContentsSync(): boolean | undefined {
    if (this.available < 2) return undefined;
    const b = this.peekBuffered(2);
    if (b[0] === 0 && b[1] === 0) {
      this.skipBuffered(2);
      return true;
    }
    return false;
  }

  /** True when the next two bytes are end-of-contents (00 00); consumes them if so. */
  async takeEndOfContents(): Promise<boolean> {
    await this.fill(2);
    const b = this.peekBuffered(2);
    if (b.length === 2 && b[0] === 0 && b[1] === 0) {
      this.skipBuffered(2);
      return true;
    }
    return false;
  }

  /** The next identifier octet without consuming it, or undefined at the end of the stream. */
  async peekTag(): Promise<number | undefined> {
    await this.fill(1);
    return this.peekBuffered(1)[0];
  }

  /** Stops the underlying iterator (early exit or error). */
  async close(): Promise<void> {
    this.chunks.length = 0;
    this.available = 0;
    if (!this.done) {
      this.done = true;
      await this.iterator.return?.();
    }
  }
}
