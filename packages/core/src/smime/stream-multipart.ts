/**
 * A multipart walked as it streams (body.ts canonical(), make-signable.ts signableMultipart):
 * the pieces between parts (preamble, delimiter lines, epilogue) are canonicalised each on its
 * own (RFC 8551 §3.1.1), and every body part goes through its own transform, chosen from its
 * header by `factory` (RFC 2046 §5.1.1). The header given first is emitted as it is.
 */
import { CrlfCanonicalizer } from "../mime/canonicalize.js";
import type { MimeLimits } from "../mime/limits.js";
import { BoundaryScanner, type Segment } from "./stream-boundary-scanner.js";
import { type ByteTransform, EntityTransform, nonEmpty, type TransformFactory } from "./stream-entity.js";

export class MultipartWalk implements ByteTransform {
  readonly #scanner: BoundaryScanner;
  readonly #limits: MimeLimits;
  readonly #depth: number;
  readonly #factory: TransformFactory;
  #head: Uint8Array | undefined;
  #part: ByteTransform | undefined;
  #gap: CrlfCanonicalizer | undefined;

  /** `depth` is that of the body parts (the multipart's own depth + 1). */
  constructor(
    head: Uint8Array,
    boundary: string,
    limits: MimeLimits,
    depth: number,
    factory: TransformFactory,
  ) {
    this.#scanner = new BoundaryScanner(boundary, limits.maxParts);
    this.#limits = limits;
    this.#depth = depth;
    this.#factory = factory;
    this.#head = head;
  }

  /** True once a delimiter line was seen. */
  get sawDelimiter(): boolean {
    return this.#scanner.sawDelimiter;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    return this.#route(this.#scanner.push(chunk), false);
  }

  end(): Uint8Array[] {
    return this.#route(this.#scanner.end(), true);
  }

  #route(segments: Segment[], ending: boolean): Uint8Array[] {
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
        if (!s.close) this.#part = new EntityTransform(this.#factory, this.#limits, this.#depth);
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
