/**
 * Push transforms over a MIME entity's bytes (header block, then body), the building block of
 * the streaming message path: the header is collected (HeaderCollector), then a transform
 * chosen from it takes the body. Output chunks may be views of the pushed chunk: use them
 * before the next push.
 */
import { CrlfCanonicalizer } from "../mime/canonicalize.js";
import type { MimeLimits } from "../mime/limits.js";
import type { MimeEntity } from "../mime/parse-entity.js";
import { HeaderCollector } from "./stream-reader.js";

export interface ByteTransform {
  push(chunk: Uint8Array): Uint8Array[];
  end(): Uint8Array[];
}

/** Chooses the body transform once the entity's header is known (it emits the header too). */
export type TransformFactory = (entity: MimeEntity, limits: MimeLimits) => ByteTransform;

export class EntityTransform implements ByteTransform {
  readonly #collector: HeaderCollector;
  readonly #limits: MimeLimits;
  readonly #factory: TransformFactory;
  #inner: ByteTransform | undefined;

  constructor(factory: TransformFactory, limits: MimeLimits, depth: number) {
    this.#collector = new HeaderCollector(limits, depth);
    this.#limits = limits;
    this.#factory = factory;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#inner) return this.#inner.push(chunk);
    const head = this.#collector.push(chunk);
    if (!head) return [];
    this.#inner = this.#factory(head.entity, this.#limits);
    return nonEmpty(this.#inner.push(head.rest));
  }

  end(): Uint8Array[] {
    if (!this.#inner) {
      const head = this.#collector.end();
      this.#inner = this.#factory(head.entity, this.#limits);
      return nonEmpty([...this.#inner.push(head.rest), ...this.#inner.end()]);
    }
    return nonEmpty(this.#inner.end());
  }
}

export function nonEmpty(chunks: Uint8Array[]): Uint8Array[] {
  return chunks.some((c) => c.length === 0) ? chunks.filter((c) => c.length > 0) : chunks;
}

/** `head` (an entity's converted header) before whatever `body` makes of the body. */
export function withHead(head: Uint8Array, body: ByteTransform): ByteTransform {
  let pending: Uint8Array | undefined = head;
  const first = (out: Uint8Array[]): Uint8Array[] => {
    const h = pending;
    pending = undefined;
    return nonEmpty(h ? [h, ...out] : out);
  };
  return { push: (c) => first(body.push(c)), end: () => first(body.end()) };
}

/** `head`, then the body with every line ending made CRLF (RFC 8551 §3.1.1). */
export function canonicalLines(head: Uint8Array): ByteTransform {
  const canon = new CrlfCanonicalizer();
  return withHead(head, { push: (c) => [canon.push(c)], end: () => [canon.flush()] });
}
