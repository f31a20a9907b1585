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
import { toCanonicalCrlf } from "../mime/canonicalize.js";
import type { MimeLimits } from "../mime/limits.js";
import { makeSignable } from "../mime/make-signable.js";
import {
  entityContentType,
  entityTransferEncoding,
  type MimeEntity,
  parseEntityAt,
} from "../mime/parse-entity.js";
import { canonicalEntityBytes } from "./body.js";
import { type ByteTransform, canonicalLines, withHead } from "./stream-entity.js";
import { MultipartWalk } from "./stream-multipart.js";

/** The transform for an entity whose (raw) header was already read. */
export function signableTransform(entity: MimeEntity, limits: MimeLimits): ByteTransform {
  const ct = entityContentType(entity);
  const cte = entityTransferEncoding(entity);
  if (ct.type === "multipart" && cte === "7bit") return multipartSignable(entity, limits);
  if (ct.type !== "multipart" && ct.type !== "message") {
    // Already 7-bit safe (base64): canonical CRLF, otherwise as it is.
    if (cte === "base64") return canonicalLines(toCanonicalCrlf(entity.raw));
    if (cte === "binary") return binaryToBase64(entity);
  }
  return new Collected(entity, limits);
}

/** Binary becomes base64 as it arrives, header relabelled (make-signable.ts withBody, "base64"). */
function binaryToBase64(entity: MimeEntity): ByteTransform {
  const fields = entity.headers
    .filter((f) => f.name.toLowerCase() !== "content-transfer-encoding")
    .map((f) => toCanonicalCrlf(f.raw));
  const head = Buffer.concat([...fields, Buffer.from("Content-Transfer-Encoding: base64\r\n\r\n", "latin1")]);
  const encoder = new Base64Encoder();
  return withHead(head, { push: (c) => [encoder.push(c)], end: () => [encoder.flush()] });
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
function multipartSignable(entity: MimeEntity, limits: MimeLimits): ByteTransform {
  const ct = entityContentType(entity);
  const boundary = ct.params.boundary;
  // mime/multipart.ts splitMultipart's checks, with its messages.
  if (boundary === undefined || boundary === "")
    throw new CoreError("malformed", `MIME: ${ct.mediaType} has no boundary parameter`);
  if (boundary.length > 200 || !/^[\x20-\x7e]+$/.test(boundary))
    throw new CoreError("malformed", "MIME: invalid boundary parameter");
  if (entity.depth + 1 > limits.maxDepth)
    throw new CoreError("limit-exceeded", `MIME: entities nested deeper than ${limits.maxDepth}`);
  const walk = new MultipartWalk(
    toCanonicalCrlf(entity.raw),
    boundary,
    limits,
    entity.depth + 1,
    signableTransform,
  );
  return {
    push: (chunk) => walk.push(chunk),
    end() {
      const out = walk.end();
      if (!walk.sawDelimiter)
        throw new CoreError("malformed", `MIME: no "--${boundary}" delimiter line in the body`);
      return out;
    },
  };
}
