import type { StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { BLOB_CHUNK_BYTES } from "../mail/blob-store.js";
import { type MessageSummary, ownedMessage } from "../mail/messages.js";
import type { InPlaceSwap, KeySource } from "./in-place-swap.js";

/** Encrypt in place: the complete stored message sealed to the account's current certificate. */
export function encryptInPlaceOp(ctx: StoreContext, swap: InPlaceSwap) {
  const { currentCertificate, replace, sealStaged, sealToCurrent } = swap;
  return async function encrypt(
    accountId: string,
    messageId: string,
    keys: KeySource,
  ): Promise<MessageSummary> {
    await keys();
    const certificate = await currentCertificate(accountId);
    const row = await ownedMessage(ctx.db, accountId, messageId);
    if (row.security === "encrypted" || row.security === "signed+encrypted") {
      throw new StoreError("invalid-argument", "the message is already encrypted");
    }
    const old = { id: row.id, blobId: row.blob_id };
    const security = row.security === "signed" ? "signed+encrypted" : "encrypted";
    const size = Number(row.size);
    if (size > BLOB_CHUNK_BYTES) {
      const sealed = await sealStaged(accountId, ctx.blobs.read(ctx.db, row.blob_id), certificate, size);
      return replace(accountId, old, sealed, security, sealed.cipher);
    }
    const raw = await ctx.blobs.get(ctx.db, row.blob_id);
    const { sealed, cipher } = await sealToCurrent(accountId, raw, certificate);
    return replace(accountId, old, sealed, security, cipher);
  };
}
