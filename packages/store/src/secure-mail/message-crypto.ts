import { decryptOuterLayer, encryptWholeMessage } from "@sealbox/core";
import { accountById } from "../accounts/accounts.js";
import { fromFlag, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { detectSecurity } from "../mail/detect-security.js";
import { forgetOldPages } from "../mail/forget-old-pages.js";
import { readHeader } from "../mail/header-reader.js";
import { insertMessage, type MessageFlag, type MessageSummary, ownedMessage } from "../mail/messages.js";
import type { SecureMail } from "./secure-mail.js";
import type { KeyAccess } from "./unlock-sessions.js";

/**
 * Decrypt and Encrypt in place. Each replaces one stored message with
 * its other form in ONE transaction — same mailbox, flags and date — so a crash leaves the
 * old message or the new one, never neither and never both. The crypto runs before the
 * transaction; the transaction only swaps rows.
 */
export function messageCryptoUseCases(ctx: StoreContext, secureMail: SecureMail) {
  async function replace(
    accountId: string,
    old: { id: string; blobId: string },
    bytes: Uint8Array,
    security: MessageSummary["security"],
    cipher: string | null,
  ) {
    const result = await write(ctx, async (trx) => {
      // Delete first, and only the very row whose bytes were transformed. On PostgreSQL a
      // second swap of the same message (another web node, the CLI) waits on this row lock
      // and then finds nothing to delete (READ COMMITTED re-checks the row), so it inserts
      // nothing: the message never exists twice. RETURNING reads mailbox, flags and date
      // from the row as it is deleted, so a flag set meanwhile is not lost.
      const removed = await trx
        .deleteFrom("messages")
        .where("id", "=", old.id)
        .where("blob_id", "=", old.blobId)
        .where("mailbox_id", "in", (eb) =>
          eb.selectFrom("mailboxes").select("id").where("account_id", "=", accountId),
        )
        .returning(["mailbox_id", "date", "seen", "flagged", "deleted"])
        .executeTakeFirst();
      if (!removed) throw new StoreError("not-found", `message ${old.id} was removed or replaced meanwhile`);
      await ctx.blobs.delete(trx, [old.blobId]);
      const flags = (["seen", "flagged", "deleted"] as MessageFlag[]).filter((f) => fromFlag(removed[f]));
      return insertMessage(ctx, trx, removed.mailbox_id, bytes, {
        flags,
        receivedAt: removed.date,
        security,
        cipher,
      });
    });
    await forgetOldPages(ctx);
    return result;
  }

  return {
    /** Needs the Secure Mail Password or an unlocked session; tries the current key, then earlier keys. */
    async decryptInPlace(
      accountId: string,
      messageId: string,
      securePassword: KeyAccess,
    ): Promise<MessageSummary> {
      const identities = await secureMail.identities(accountId, securePassword);
      const row = await ownedMessage(ctx.db, accountId, messageId);
      const raw = await ctx.blobs.get(ctx.db, row.blob_id);
      const { message } = await decryptOuterLayer(raw, { identities });
      const security = detectSecurity(readHeader(message).fields);
      return replace(accountId, { id: row.id, blobId: row.blob_id }, message, security, null);
    },

    /** Encrypts the complete stored message to the account's own certificate; the password is the proof. */
    async encryptInPlace(
      accountId: string,
      messageId: string,
      securePassword: KeyAccess,
    ): Promise<MessageSummary> {
      const account = await accountById(ctx.db, accountId);
      await secureMail.verifyPassword(accountId, securePassword);
      const current = await secureMail.currentCertificate(accountId);
      if (!current) throw new StoreError("no-key", "this account has no current Secure Mail certificate");
      const row = await ownedMessage(ctx.db, accountId, messageId);
      if (row.security === "encrypted" || row.security === "signed+encrypted") {
        throw new StoreError("invalid-argument", "the message is already encrypted");
      }
      const raw = await ctx.blobs.get(ctx.db, row.blob_id);
      const domain = await ctx.db
        .selectFrom("domains")
        .select("hide_subject_when_encrypting")
        .where("id", "=", account.domainId)
        .executeTakeFirstOrThrow();
      const sealed = await encryptWholeMessage(raw, {
        recipients: [current.certificate],
        cipher: account.encryptionMethod,
        hideSubject: fromFlag(domain.hide_subject_when_encrypting),
      });
      return replace(
        accountId,
        { id: row.id, blobId: row.blob_id },
        sealed,
        row.security === "signed" ? "signed+encrypted" : "encrypted",
        account.encryptionMethod,
      );
    },
  };
}

export type MessageCrypto = ReturnType<typeof messageCryptoUseCases>;
