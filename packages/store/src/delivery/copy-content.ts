import type { StoreContext } from "../context.js";
import { BLOB_CHUNK_BYTES } from "../mail/blob-store.js";
import { HEADER_CAPTURE_BYTES } from "../mail/incoming-message.js";

/**
 * The bytes of one stored copy before the commit: small copies (up to one blob chunk) in
 * memory, written inside the commit transaction (today's fast path); larger ones streamed
 * into a staged blob outside it (no write lock held while 64 MiB are encrypted and written),
 * claimed by the commit, discarded on failure. `head` is the copy's first bytes, for its
 * listing row.
 */
export type CopyContent =
  | { kind: "bytes"; bytes: Uint8Array; head: Uint8Array }
  | { kind: "staged"; blobId: string; size: number; head: Uint8Array };

/**
 * How many bytes of small copies one delivery may hold in memory until its commit. Past it,
 * small copies are staged like large ones, so a message to many recipients holds at most this
 * plus one chunk per copy being written, never a copy per recipient.
 */
export const COPIES_IN_MEMORY_BYTES = 8 * 1024 * 1024;

/** The bytes a delivery may still keep in memory (one per deliver / deliverMany / send call). */
export class CopyAllowance {
  #left: number;
  constructor(bytes = COPIES_IN_MEMORY_BYTES) {
    this.#left = bytes;
  }
  /** Takes `bytes` from the allowance if they fit. */
  take(bytes: number): boolean {
    if (bytes > this.#left) return false;
    this.#left -= bytes;
    return true;
  }
}

/**
 * Streams one copy into memory or a staged blob; `expectedSize` (the plaintext size) chooses:
 * memory when it fits one blob chunk and the delivery's allowance, else a staged blob.
 */
export async function materializeCopy(
  ctx: StoreContext,
  stream: AsyncIterable<Uint8Array>,
  expectedSize: number,
  allowance?: CopyAllowance,
): Promise<CopyContent> {
  if (expectedSize <= BLOB_CHUNK_BYTES && (allowance?.take(expectedSize) ?? true)) {
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(Buffer.from(part));
    const bytes = Buffer.concat(parts);
    return { kind: "bytes", bytes, head: bytes.subarray(0, HEADER_CAPTURE_BYTES) };
  }
  const head: Buffer[] = [];
  let kept = 0;
  async function* tee(): AsyncGenerator<Uint8Array> {
    for await (const part of stream) {
      if (kept < HEADER_CAPTURE_BYTES) {
        const piece = Buffer.from(part.subarray(0, HEADER_CAPTURE_BYTES - kept));
        head.push(piece);
        kept += piece.length;
      }
      yield part;
    }
  }
  const staged = await ctx.blobs.stage(ctx.db, tee(), ctx.now());
  return { kind: "staged", blobId: staged.id, size: staged.size, head: Buffer.concat(head, kept) };
}

export function copySize(copy: CopyContent): number {
  return copy.kind === "bytes" ? copy.bytes.byteLength : copy.size;
}

/** Removes the staged blobs of copies that will not be committed (best effort: the open-time sweep gets the rest). */
export async function discardCopies(ctx: StoreContext, copies: readonly CopyContent[]): Promise<void> {
  const ids = copies.flatMap((c) => (c.kind === "staged" ? [c.blobId] : []));
  if (ids.length === 0) return;
  try {
    await ctx.blobs.discardStaged(ctx.db, ids);
  } catch (error) {
    ctx.logger.warn({ blobs: ids.length, error: String(error) }, "staged blobs not discarded");
  }
}
