/**
 * body.ts plausiblePlaintext on a stream: decrypted CBC content must look like what a sender
 * encrypts (RFC 8551 §3.3, a MIME entity) — header fields without NUL, or, with no header at
 * all, NUL-free UTF-8 text throughout. CBC has no integrity, so a wrong key passes the pad check
 * once in 256 and yields noise; noise is the uniform decryption failure (no padding oracle).
 * The header is judged at once; a header-less body as it streams (isUtf8 is native).
 */
import { isUtf8 } from "node:buffer";
import { CoreError } from "../errors.js";
import { asBuffer, EMPTY } from "../mime/bytes.js";
import type { MimeEntity } from "../mime/parse-entity.js";
import { StreamReader } from "./stream-reader.js";

const noise = () => new CoreError("decryption-failed", "the message could not be decrypted");

export function plausibleReader(head: MimeEntity, reader: StreamReader): StreamReader {
  if (head.headers.length > 0) {
    if (asBuffer(head.headerBytes).indexOf(0) !== -1) throw noise();
    return reader;
  }
  if (asBuffer(head.raw).indexOf(0) !== -1 || !isUtf8(head.raw)) throw noise();
  return new StreamReader(checkedText(reader));
}

async function* checkedText(reader: StreamReader): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array = EMPTY;
  for (let chunk = await reader.next(); chunk !== undefined; chunk = await reader.next()) {
    const buf = asBuffer(chunk);
    if (buf.indexOf(0) !== -1) throw noise();
    const all = carry.length === 0 ? buf : Buffer.concat([carry, buf]);
    const cut = sequenceBoundary(all);
    if (!isUtf8(all.subarray(0, cut))) throw noise();
    carry = Buffer.from(all.subarray(cut)); // at most 3 bytes of a character cut by the chunk
    yield chunk;
  }
  if (carry.length > 0 && !isUtf8(carry)) throw noise();
}

/** The end of the last complete UTF-8 sequence (a character may straddle two chunks). */
function sequenceBoundary(buf: Uint8Array): number {
  for (let i = buf.length - 1; i >= 0 && i >= buf.length - 4; i--) {
    const b = buf[i] as number;
    if (b < 0x80) return buf.length;
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return i + length > buf.length ? i : buf.length;
    }
  }
  return buf.length;
}
