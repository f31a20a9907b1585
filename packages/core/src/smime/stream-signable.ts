/**
 * Streaming twin of what protect.ts signs: makeSignable (RFC 8551 §3.1.1–§3.1.3) of the
 * canonical entity (body.ts canonicalEntityBytes), as one push transform over the raw entity,
 * so a large message is walked once. What can be decided from a header streams: headers and
 * the bytes between parts become canonical CRLF, base64 bodies are canonicalised as they pass,
 * binary bodies are base64-encoded as they arrive (never canonicalised), multiparts are walked
 * part by part. What makeSignable decides from the whole body (7bit/8bit/quoted-printable
 * text, message/rfc822, unknown encodings) is collected and handed to canonicalEntityBytes and
 * makeSignable themselves, one part at a time — small in real mail; a large one costs its size.
 *
 * Known differences (see protect-stream.ts): a streamed multipart labelled 7bit keeps that
 * label when a later part header carries raw 8-bit bytes (makeSignable relabels it 8bit: the
 * header was sent before those bytes were seen); delimiters are found before line endings are
 * canonicalised, so a delimiter line ended by a lone CR is not one here.
 */
import { CoreError } from "../errors.js";
import { Base64Encoder } from "../mime/base64.js";
import { CrlfCanonicalizer, toCanonicalCrlf } from "../mime/canonicalize.js";
import type { MimeLimits } from "../mime/limits.js";
import { makeSignable } from "../mime/make-signable.js";
import {
  entityContentType,
  entityTransferEncoding,
  type MimeEntity,
  parseEntityAt,
} from "../mime/parse-entity.js";
import { canonicalEntityBytes } from "./body.js";
import { BoundaryScanner } from "./stream-boundary-scanner.js";
import { type ByteTransform, EntityTransform, nonEmpty } from "./stream-entity.js";

/** The transform for an entity whose (raw) header was already read. */
export function signableTransform(entity: MimeEntity, limits: MimeLimits): ByteTransform {
  const ct = entityContentType(entity);
  const cte = entityTransferEncoding(entity);
  if (ct.type === "multipart" && cte === "7bit") return new MultipartSignable(entity, limits);
  if (ct.type !== "multipart" && ct.type !== "message") {
    if (cte === "base64") return new Lines(toCanonicalCrlf(entity.raw));
    if (cte === "binary") return new BinaryToBase64(entity);
  }
  return new Collected(entity, limits);
}

/** Already 7-bit safe (base64): canonical CRLF, otherwise as it is. */
class Lines implements ByteTransform {
  readonly #canon = new CrlfCanonicalizer();
  #head: Uint8Array | undefined;
  constructor(head: Uint8Array) {
    this.#head = head;
  }
  push(chunk: Uint8Array): Uint8Array[] {
    return this.#withHead(this.#canon.push(chunk));
  }
  end(): Uint8Array[] {
    return this.#withHead(this.#canon.flush());
  }
  #withHead(out: Uint8Array): Uint8Array[] {
    const head = this.#head;
    if (!head) return out.length > 0 ? [out] : [];
    this.#head = undefined;
    return out.length > 0 ? [head, out] : [head];
  }
}

/** Binary becomes base64 as it arrives, header relabelled (make-signable.ts withBody, "base64"). */
class BinaryToBase64 implements ByteTransform {
  #head: Uint8Array | undefined;
  readonly #encoder = new Base64Encoder();
  constructor(entity: MimeEntity) {
    const fields = entity.headers
      .filter((f) => f.name.toLowerCase() !== "content-transfer-encoding")
      .map((f) => toCanonicalCrlf(f.raw));
    this.#head = Buffer.concat([
      ...fields,
      Buffer.from("Content-Transfer-Encoding: base64\r\n\r\n", "latin1"),
    ]);
  }
  push(chunk: Uint8Array): Uint8Array[] {
    return this.#withHead(this.#encoder.push(chunk));
  }
  end(): Uint8Array[] {
    return this.#withHead(this.#encoder.flush());
  }
  #withHead(out: Uint8Array): Uint8Array[] {
    const head = this.#head;
    this.#head = undefined;
    return [...(head ? [head] : []), ...(out.length > 0 ? [out] : [])];
  }
}

/** Everything makeSignable must see whole: collected (copied), then converted at the end. */
class Collected implements ByteTransform {
  readonly #entity: MimeEntity;
  readonly #limits: MimeLimits;
  readonly #parts: Uint8Array[] = [];
  constructor(entity: MimeEntity, limits: MimeLimits) {
    this.#entity = entity;
    this.#limits = limits;
    this.#parts.push(entity.raw);
  }
  push(chunk: Uint8Array): Uint8Array[] {
    this.#parts.push(Buffer.from(chunk));
    return [];
  }
  end(): Uint8Array[] {
    const raw = Buffer.concat(this.#parts);
    this.#parts.length = 0;
    const depth = this.#entity.depth;
    const canonical = canonicalEntityBytes(parseEntityAt(raw, this.#limits, depth, 0));
    return [makeSignable(parseEntityAt(canonical, this.#limits, depth, 0), { limits: this.#limits })];
  }
}

/**
 * A multipart walked as it streams (make-signable.ts signableMultipart over body.ts
 * canonical): the bytes between parts are canonicalised, each part becomes signable on its own.
 */
class MultipartSignable implements ByteTransform {
  readonly #limits: MimeLimits;
  readonly #depth: number;
  readonly #scanner: BoundaryScanner;
  readonly #boundary: string;
  #head: Uint8Array | undefined;
  #part: ByteTransform | undefined;
  #gap: CrlfCanonicalizer | undefined;

  constructor(entity: MimeEntity, limits: MimeLimits) {
    const ct = entityContentType(entity);
    const boundary = ct.params.boundary;
    // mime/multipart.ts splitMultipart's checks, with its messages.
    if (boundary === undefined || boundary === "")
      throw new CoreError("malformed", `MIME: ${ct.mediaType} has no boundary parameter`);
    if (boundary.length > 200 || !/^[\x20-\x7e]+$/.test(boundary))
      throw new CoreError("malformed", "MIME: invalid boundary parameter");
    if (entity.depth + 1 > limits.maxDepth)
      throw new CoreError("limit-exceeded", `MIME: entities nested deeper than ${limits.maxDepth}`);
    this.#limits = limits;
    this.#depth = entity.depth + 1;
    this.#scanner = new BoundaryScanner(boundary, limits.maxParts);
    this.#boundary = boundary;
    this.#head = toCanonicalCrlf(entity.raw);
  }

  push(chunk: Uint8Array): Uint8Array[] {
    return this.#route(this.#scanner.push(chunk), false);
  }

  end(): Uint8Array[] {
    const out = this.#route(this.#scanner.end(), true);
    if (!this.#scanner.sawDelimiter)
      throw new CoreError("malformed", `MIME: no "--${this.#boundary}" delimiter line in the body`);
    return out;
  }

  #route(segments: ReturnType<BoundaryScanner["push"]>, ending: boolean): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.#head) out.push(this.#head);
    this.#head = undefined;
    for (const s of segments) {
      if (s.kind === "part") {
        out.push(...(this.#part as ByteTransform).push(s.bytes));
        continue;
      }
      if (s.kind === "delimiter" && this.#part) {
        out.push(...this.#part.end());
        this.#part = undefined;
      }
      // body.ts canonical(): each piece between parts is canonicalised on its own.
      this.#gap ??= new CrlfCanonicalizer();
      out.push(this.#gap.push(s.bytes));
      if (s.kind === "delimiter") {
        out.push(this.#gap.flush());
        this.#gap = undefined;
        if (!s.close) this.#part = new EntityTransform(signableTransform, this.#limits, this.#depth);
      }
    }
    if (ending) {
      if (this.#part) out.push(...this.#part.end());
      this.#part = undefined;
      if (this.#gap) out.push(this.#gap.flush());
      this.#gap = undefined;
    }
    return nonEmpty(out);
  }
}
