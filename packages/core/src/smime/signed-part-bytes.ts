/**
 * The bytes a detached signature covers (RFC 8551 §3.1.1): a MIME entity in canonical form.
 * For text that means CRLF line endings, which a stored LF-only copy has lost and gets back
 * here. A binary part (not text, multipart or message, and not base64 or quoted-printable) is
 * signed over its exact octets: a bare LF there is data, and AS2-style senders sign it as is,
 * so only its header is canonicalised. One rule for openMessage and openMessageStream.
 */
import { CrlfCanonicalizer, toCanonicalCrlf } from "../mime/canonicalize.js";
import {
  entityContentType,
  entityTransferEncoding,
  type MimeEntity,
  parseEntity,
} from "../mime/parse-entity.js";

const LF = 0x0a;
const CR = 0x0d;
const TEXTUAL = new Set(["text", "multipart", "message"]);
const LINE_ENCODED = new Set(["base64", "quoted-printable"]);

/** Does the signature over this entity cover its body's exact octets? */
export function signsExactBody(entity: MimeEntity): boolean {
  if (TEXTUAL.has(entityContentType(entity).type || "text")) return false;
  return !LINE_ENCODED.has(entityTransferEncoding(entity));
}

/** Offset just past the empty line that ends the header, or -1 when `bytes` holds none yet. */
export function headerEnd(bytes: Uint8Array): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf[0] === LF) return 1;
  if (buf[0] === CR && buf[1] === LF) return 2;
  for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) {
    if (buf[i + 1] === LF) return i + 2;
    if (buf[i + 1] === CR && buf[i + 2] === LF) return i + 3;
  }
  return -1;
}

/** The signed bytes of part 1 of a multipart/signed, from its bytes as received. */
export function signedPartBytes(raw: Uint8Array): Uint8Array {
  const end = headerEnd(raw);
  if (end < 0 || !signsExactBody(parseEntity(raw.subarray(0, end)))) return toCanonicalCrlf(raw);
  return Buffer.concat([toCanonicalCrlf(raw.subarray(0, end)), raw.subarray(end)]);
}

/**
 * signedPartBytes over a stream: the header is held (up to `maxHeaderBytes`) until its end
 * decides whether the body is canonicalised or passed through exactly.
 */
export class SignedPartCanonicalizer {
  readonly #maxHeaderBytes: number;
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #mode: "header" | "canonical" | "exact" = "header";
  readonly #canon = new CrlfCanonicalizer();

  constructor(maxHeaderBytes: number) {
    this.#maxHeaderBytes = maxHeaderBytes;
  }

  push(chunk: Uint8Array): Uint8Array {
    if (this.#mode === "exact") return chunk;
    if (this.#mode === "canonical") return this.#canon.push(chunk);
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    const held = Buffer.concat(this.#held);
    const end = headerEnd(held);
    if (end < 0) {
      if (this.#heldBytes <= this.#maxHeaderBytes) return new Uint8Array(0);
      // No header end in sight: canonicalise as text; the MIME parser reports the header.
      this.#mode = "canonical";
      this.#held = [];
      return this.#canon.push(held);
    }
    this.#held = [];
    this.#mode = signsExactBody(parseEntity(held.subarray(0, end))) ? "exact" : "canonical";
    const header = this.#canon.push(held.subarray(0, end));
    const body = held.subarray(end);
    return Buffer.concat([header, this.#mode === "exact" ? body : this.#canon.push(body)]);
  }

  flush(): Uint8Array {
    if (this.#mode === "header") {
      this.#mode = "canonical";
      const held = Buffer.concat(this.#held);
      this.#held = [];
      return Buffer.concat([this.#canon.push(held), this.#canon.flush()]);
    }
    return this.#mode === "canonical" ? this.#canon.flush() : new Uint8Array(0);
  }
}
