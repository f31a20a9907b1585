import { classifyMessage, decryptOuterLayer, isCoreError } from "@sealbox/core";
import type { StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { BLOB_CHUNK_BYTES } from "../mail/blob-store.js";
import { listedSecurity } from "../mail/message-metadata.js";
import { type MessageSummary, ownedMessage, toSummary } from "../mail/messages.js";
import type { InPlaceSwap, KeySource } from "./in-place-swap.js";

export interface ReEncryptResult {
  status: "re-encrypted" | "already-current";
  summary: MessageSummary;
}

/**
 * Re-encrypt in place after a renewal: the outer layer opened with any of the account's keys
 * (current or earlier), the plaintext sealed whole to the current certificate, swapped in one
 * transaction. A message the current key already opens is left as it is.
 */
export function reEncryptInPlaceOp(ctx: StoreContext, swap: InPlaceSwap) {
  const { currentCertificate, decryptedStream, opensWith, replace, sealStaged, sealToCurrent } = swap;
  return async function reEncrypt(
    accountId: string,
    messageId: string,
    keys: KeySource,
  ): Promise<ReEncryptResult> {
    const identities = await keys();
    const certificate = await currentCertificate(accountId);
    const current = identities.find((i) => i.certificate.sha256 === certificate.sha256);
    if (!current)
      throw new StoreError(
        "locked",
        "the current key is not unlocked (it is newer than this unlock); unlock Secure Mail again",
      );
    const row = await ownedMessage(ctx.db, accountId, messageId);
    if (row.security !== "encrypted" && row.security !== "signed+encrypted")
      throw new StoreError("invalid-argument", "the message is not encrypted");
    const old = { id: row.id, blobId: row.blob_id };
    const sealedKind = (inner: MessageSummary["security"]) =>
      inner === "signed" || inner === "signed+encrypted" ? "signed+encrypted" : "encrypted";
    if (Number(row.size) > BLOB_CHUNK_BYTES) {
      if (await opensWith(row.blob_id, current))
        return { status: "already-current", summary: toSummary(row) };
      // Opened and sealed anew in one pass: the plaintext never rests anywhere, not even staged.
      const opened = decryptedStream(row.blob_id, identities);
      const sealed = await sealStaged(accountId, opened.plaintext, certificate);
      const inner = listedSecurity(classifyMessage(opened.start(), { complete: false })).security;
      const summary = await replace(accountId, old, sealed, sealedKind(inner), sealed.cipher);
      return { status: "re-encrypted", summary };
    }
    const raw = await ctx.blobs.get(ctx.db, row.blob_id);
    try {
      // Offered only the current key, core picks a RecipientInfo naming it or none at all.
      await decryptOuterLayer(raw, { identities: [current] });
      return { status: "already-current", summary: toSummary(row) };
    } catch (error) {
      if (!isCoreError(error, "not-a-recipient")) throw error;
    }
    const { message } = await decryptOuterLayer(raw, { identities });
    const { sealed, cipher } = await sealToCurrent(accountId, message, certificate);
    const inner = listedSecurity(classifyMessage(message)).security;
    const summary = await replace(accountId, old, sealed, sealedKind(inner), cipher);
    return { status: "re-encrypted", summary };
  };
}
