/**
 * Streaming twin of body.ts canonicalEntityBytes (RFC 8551 §3.1.1): every line ends in CRLF,
 * except inside the body of a `Content-Transfer-Encoding: binary` entity, whose octets are
 * data. Multiparts and message/rfc822 are walked as they stream (on the raw bytes, LF-only
 * input included) so a binary part deep inside is found; everything else goes through
 * CrlfCanonicalizer (Buffer.indexOf scanning, copies only where a line ending changes).
 */
import { CoreError } from "../errors.js";
import { CrlfCanonicalizer, toCanonicalCrlf } from "../mime/canonicalize.js";
import { type MimeLimits, resolveMimeLimits } from "../mime/limits.js";
import { entityContentType, entityTransferEncoding, type MimeEntity } from "../mime/parse-entity.js";
import { BoundaryScanner } from "./stream-boundary-scanner.js";
import { type ByteTransform, EntityTransform, nonEmpty } from "./stream-entity.js";

export function canonicalTransform(entity: MimeEntity, limits: MimeLimits): ByteTransform {
  const ct = entityContentType(entity);
  const head = toCanonicalCrlf(entity.raw);
  if (ct.type === "multipart") {
    const boundary = ct.params.boundary;
    if (entity.depth + 1 > limits.maxDepth)
      throw new CoreError("limit-exceeded", `MIME: entities nested deeper than ${limits.maxDepth}`);
    // An unsplittable multipart is canonicalised whole, as canonicalEntityBytes does.
    if (
      boundary !== undefined &&
      boundary !== "" &&
      boundary.length <= 200 &&
      /^[\x20-\x7e]+$/.test(boundary)
    )
      return new MultipartCanonical(head, boundary, limits, entity.depth + 1);
    return new Lines(head);
  }
  if (ct.mediaType === "message/rfc822" || ct.mediaType === "message/global") {
    // body.ts parses the inner message with the default MIME limits.
    const inner = new EntityTransform(canonicalTransform, resolveMimeLimits(), entity.depth + 1);
    return withHead(head, inner);
  }
  if (entityTransferEncoding(entity) === "binary") return withHead(head, { push: (c) => [c], end: () => [] });
  return new Lines(head);
}

/** CRLF canonicalisation of the header (already converted) and the body. */
class Lines implements ByteTransform {
  readonly #canon = new CrlfCanonicalizer();
  #head: Uint8Array | undefined;
  constructor(head: Uint8Array) {
    this.#head = head;
  }
  push(chunk: Uint8Array): Uint8Array[] {
    const out = this.#canon.push(chunk);
    const head = this.#head;
    this.#head = undefined;
    return nonEmpty(head ? [head, out] : [out]);
  }
  end(): Uint8Array[] {
    const head = this.#head;
    this.#head = undefined;
    return nonEmpty(head ? [head, this.#canon.flush()] : [this.#canon.flush()]);
  }
}

function withHead(head: Uint8Array, body: ByteTransform): ByteTransform {
  let pending: Uint8Array | undefined = head;
  const first = (out: Uint8Array[]): Uint8Array[] => {
    const h = pending;
    pending = undefined;
    return nonEmpty(h ? [h, ...out] : out);
  };
  return { push: (c) => first(body.push(c)), end: () => first(body.end()) };
}

/**
 * body.ts canonical() for a multipart: the pieces between parts (preamble, delimiter lines,
 * epilogue) canonicalised each on its own, every part by its own rules.
 */
class MultipartCanonical implements ByteTransform {
  readonly #scanner: BoundaryScanner;
  readonly #limits: MimeLimits;
  readonly #depth: number;
  #head: Uint8Array | undefined;
  #part: ByteTransform | undefined;
  #gap: CrlfCanonicalizer | undefined;

  constructor(head: Uint8Array, boundary: string, limits: MimeLimits, depth: number) {
    this.#scanner = new BoundaryScanner(boundary, limits.maxParts);
    this.#limits = limits;
    this.#depth = depth;
    this.#head = head;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    return this.#route(this.#scanner.push(chunk), false);
  }

  end(): Uint8Array[] {
    return this.#route(this.#scanner.end(), true);
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
      this.#gap ??= new CrlfCanonicalizer();
      out.push(this.#gap.push(s.bytes));
      if (s.kind === "delimiter") {
        out.push(this.#gap.flush());
        this.#gap = undefined;
        if (!s.close) this.#part = new EntityTransform(canonicalTransform, this.#limits, this.#depth);
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
