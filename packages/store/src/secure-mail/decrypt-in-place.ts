import { classifyMessage, decryptOuterLayer } from "@sealbox/core";
import type { StoreContext } from "../context.js";
import { BLOB_CHUNK_BYTES } from "../mail/blob-store.js";
import { listedSecurity } from "../mail/message-metadata.js";
import { type MessageSummary, ownedMessage } from "../mail/messages.js";
import type { InPlaceSwap, KeySource } from "./in-place-swap.js";

/** Decrypt in place: the outer layer opened with any of the account's keys, the plaintext stored instead. */
export function decryptInPlaceOp(ctx: StoreContext, swap: InPlaceSwap) {
  const { decryptStaged, replace } = swap;
  return async function decrypt(
    accountId: string,
    messageId: string,
    keys: KeySource,
  ): Promise<MessageSummary> {
    const identities = await keys();
    const row = await ownedMessage(ctx.db, accountId, messageId);
    const old = { id: row.id, blobId: row.blob_id };
    if (Number(row.size) > BLOB_CHUNK_BYTES) {
      const plain = await decryptStaged(row.blob_id, identities);
      const { security, cipher } = listedSecurity(classifyMessage(plain.start, { complete: false }));
      return replace(accountId, old, plain, security, cipher);
    }
    const raw = await ctx.blobs.get(ctx.db, row.blob_id);
    const { message } = await decryptOuterLayer(raw, { identities });
    const { security, cipher } = listedSecurity(classifyMessage(message));
    return replace(accountId, old, message, security, cipher);
  };
}
