/**
 * Finds multipart delimiters in a body that arrives in chunks (RFC 2046 §5.1.1), with the
 * rules of mime/multipart.ts: a delimiter is "--" boundary at the start of a line, optional
 * "--" (close), optional transport padding, then a line ending or the end of the body; the
 * line ending before it belongs to the delimiter, so part 1 of a multipart/signed is exactly
 * the signed bytes (RFC 1847 §2.1). Content segments are views of the pushed chunk wherever
 * possible; only delimiter lines and the few bytes held back across a chunk seam are copied. The search is Buffer.indexOf
 * (native), one memcpy of each chunk into a reused scratch buffer — no per-byte JS loop.
 */
import { CoreError } from "../errors.js";
import { EMPTY } from "../mime/bytes.js";

export type Segment =
  /** Bytes before the first delimiter, or after the close delimiter. */
  | { kind: "preamble" | "epilogue"; bytes: Uint8Array }
  /** Content of body part `index` (0-based), in order, possibly in several segments. */
  | { kind: "part"; index: number; bytes: Uint8Array }
  /** A delimiter line with the line ending before it; `index` is the part it opens (or the count, when closing). */
  | { kind: "delimiter"; index: number; close: boolean; bytes: Uint8Array };

const LF = 0x0a;
const CR = 0x0d;
/** Transport padding (and a delimiter line) held back across chunks at most this long. */
const MAX_HELD = 64 * 1024;
/** Chunks are searched at most this much at a time (the scratch buffer's size). */
const SLICE = 256 * 1024;

type Decision = { kind: "yes"; next: number; close: boolean } | { kind: "no" } | { kind: "wait" };

export class BoundaryScanner {
  readonly #dash: Buffer;
  readonly #maxParts: number;
  #phase: "preamble" | "part" | "epilogue" = "preamble";
  #index = -1;
  #delimiters = 0;
  /** Owned bytes held back from the previous push (a possible delimiter start). */
  #pending: Buffer = Buffer.alloc(0);
  #scratch: Buffer = Buffer.allocUnsafe(0);
  /** True while nothing has been consumed: offset 0 of the window is the body start. */
  #atStart = true;
  /** The last byte given out before the window (LF means the window starts a line). */
  #previous = LF;

  constructor(boundary: string, maxParts: number) {
    this.#dash = Buffer.from(`--${boundary}`, "latin1");
    this.#maxParts = maxParts;
  }

  /** True once a delimiter was seen. */
  get sawDelimiter(): boolean {
    return this.#delimiters > 0;
  }

  get closed(): boolean {
    return this.#phase === "epilogue";
  }

  /** Number of body parts opened so far. */
  get parts(): number {
    return this.#index + 1;
  }

  push(chunk: Uint8Array): Segment[] {
    if (this.#phase === "epilogue") return chunk.length > 0 ? [{ kind: "epilogue", bytes: chunk }] : [];
    if (chunk.length <= SLICE) return this.#scan(chunk, false);
    // Big chunks in slices, so the scratch buffer stays small.
    const out: Segment[] = [];
    for (let i = 0; i < chunk.length; i += SLICE) {
      const slice = chunk.subarray(i, i + SLICE);
      out.push(...(this.closed ? [{ kind: "epilogue" as const, bytes: slice }] : this.#scan(slice, false)));
    }
    return out;
  }

  /** End of the body: whatever is held back is resolved. */
  end(): Segment[] {
    if (this.#phase === "epilogue") return [];
    return this.#scan(EMPTY, true);
  }

  #scan(chunk: Uint8Array, final: boolean): Segment[] {
    const held = this.#pending.length;
    const n = held + chunk.length;
    if (this.#scratch.length < n) this.#scratch = Buffer.allocUnsafe(Math.max(n, 2 * this.#scratch.length));
    const w = this.#scratch.subarray(0, n);
    if (held > 0) this.#pending.copy(w, 0);
    w.set(chunk, held);
    const out: Segment[] = [];
    // Gives out w[a, b) as views of `chunk` (or copies of the held-back bytes).
    const emit = (make: (bytes: Uint8Array) => Segment, a: number, b: number): void => {
      if (a < held) out.push(make(Buffer.from(w.subarray(a, Math.min(b, held)))));
      if (b > held) out.push(make(chunk.subarray(Math.max(a, held) - held, b - held)));
    };
    const content = (a: number, b: number): void => {
      if (b <= a) return;
      const phase = this.#phase;
      const index = this.#index;
      emit((bytes) => (phase === "part" ? { kind: "part", index, bytes } : { kind: phase, bytes }), a, b);
    };

    let from = 0;
    let search = 0;
    let hold = -1;
    while (this.#phase !== "epilogue") {
      const p = w.indexOf(this.#dash, search);
      if (p === -1) break;
      const atLineStart = p === 0 ? this.#atStart || this.#previous === LF : w[p - 1] === LF;
      if (!atLineStart) {
        search = p + 1;
        continue;
      }
      const lineStart = p >= 2 && w[p - 2] === CR ? p - 2 : p > 0 ? p - 1 : p;
      const decision = this.#decide(w, p + this.#dash.length, final);
      if (decision.kind === "no") {
        search = p + 1;
        continue;
      }
      if (decision.kind === "wait") {
        hold = Math.max(from, lineStart);
        break;
      }
      content(from, lineStart);
      const close = decision.close;
      if (!close && ++this.#delimiters > this.#maxParts)
        throw new CoreError("limit-exceeded", `MIME: more than ${this.#maxParts} body parts`);
      if (close) this.#delimiters++;
      const index = close ? this.#index + 1 : ++this.#index;
      // One segment per delimiter line (a small copy), even when it straddles two chunks.
      out.push({ kind: "delimiter", index, close, bytes: Buffer.from(w.subarray(lineStart, decision.next)) });
      this.#phase = close ? "epilogue" : "part";
      from = decision.next;
      search = from;
    }
    if (this.#phase === "epilogue" || final) {
      content(from, n);
      this.#pending = Buffer.alloc(0);
      return out;
    }
    if (hold === -1) hold = Math.max(from, this.#holdFrom(w, from));
    if (n - hold > MAX_HELD)
      throw new CoreError("limit-exceeded", `MIME: a delimiter line longer than ${MAX_HELD} bytes`);
    content(from, hold);
    if (hold > 0) {
      this.#previous = w[hold - 1] as number;
      this.#atStart = false;
    }
    this.#pending = Buffer.from(w.subarray(hold, n));
    return out;
  }

  /**
   * Where to stop giving out bytes when no delimiter is pending: a delimiter split across
   * chunks can only begin at the last line start, and only if what follows it so far is a
   * prefix of "--boundary"; its line ending (CR LF or LF) is held with it. A trailing CR is held
   * too (it may be the CR of that line ending). Usually nothing needs holding at all.
   */
  #holdFrom(w: Buffer, from: number): number {
    const n = w.length;
    const dash = this.#dash;
    const lf = n > 0 ? w.lastIndexOf(LF, n - 1) : -1;
    let start = -1; // the possible delimiter's line start
    if (lf !== -1 && lf >= n - dash.length - 1) start = lf + 1;
    else if (lf === -1 && this.#atStart && from === 0 && n < dash.length) start = 0;
    if (start !== -1 && start >= from && dash.compare(w, start, n, 0, n - start) === 0) {
      if (start === 0) return 0;
      return start >= 2 && w[start - 2] === CR ? start - 2 : start - 1;
    }
    return n > 0 && w[n - 1] === CR ? n - 1 : n;
  }

  /** After "--boundary" at `q`: close marker, padding, then CRLF / LF / end (multipart.ts rules). */
  #decide(w: Buffer, q: number, final: boolean): Decision {
    const n = w.length;
    let close = false;
    if (q + 1 >= n && !final) return { kind: "wait" };
    if (w[q] === 0x2d && w[q + 1] === 0x2d) {
      close = true;
      q += 2;
    }
    while (q < n && (w[q] === 0x20 || w[q] === 0x09)) q++;
    if (q === n) return final ? { kind: "yes", next: n, close } : { kind: "wait" };
    if (w[q] === LF) return { kind: "yes", next: q + 1, close };
    if (w[q] === CR) {
      if (q + 1 === n) return final ? { kind: "no" } : { kind: "wait" };
      return w[q + 1] === LF ? { kind: "yes", next: q + 2, close } : { kind: "no" };
    }
    return { kind: "no" };
  }
}
