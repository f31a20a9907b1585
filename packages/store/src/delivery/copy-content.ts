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

/** Streams one copy into memory or a staged blob; `expectedSize` chooses (the plaintext size). */
export async function materializeCopy(
  ctx: StoreContext,
  stream: AsyncIterable<Uint8Array>,
  expectedSize: number,
): Promise<CopyContent> {
  if (expectedSize <= BLOB_CHUNK_BYTES) {
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
