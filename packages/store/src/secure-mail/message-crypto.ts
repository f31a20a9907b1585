import { decryptOuterLayer, encryptWholeMessage } from "@sealbox/core";
import { sql } from "kysely";
import { accountById } from "../accounts/accounts.js";
import { fromFlag, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { detectSecurity } from "../mail/detect-security.js";
import { readHeader } from "../mail/header-reader.js";
import {
  deleteMessagesWhere,
  insertMessage,
  type MessageFlag,
  type MessageSummary,
  ownedMessage,
} from "../mail/messages.js";
import type { SecureMail } from "./secure-mail.js";

/**
 * Decrypt and Encrypt in place (issue #5 item 9). Each replaces one stored message with
 * its other form in ONE transaction — same mailbox, flags and date — so a crash leaves the
 * old message or the new one, never neither and never both. The crypto runs before the
 * transaction; the transaction only swaps rows.
 */
export function messageCryptoUseCases(ctx: StoreContext, secureMail: SecureMail) {
  async function replace(
    accountId: string,
    messageId: string,
    bytes: Uint8Array,
    security: MessageSummary["security"],
    cipher: string | null,
  ) {
    const result = await write(ctx, async (trx) => {
      const row = await ownedMessage(trx, accountId, messageId);
      const flags = (["seen", "flagged", "deleted"] as MessageFlag[]).filter((f) => fromFlag(row[f]));
      const summary = await insertMessage(ctx, trx, row.mailbox_id, bytes, {
        flags,
        receivedAt: row.date,
        security,
        cipher,
      });
      await deleteMessagesWhere(ctx, trx, (q) => q.where("id", "=", row.id));
      return summary;
    });
    await forgetOldPages(ctx);
    return result;
  }

  return {
    /** Needs the Secure Mail Password; tries the current key, then earlier keys. */
    async decryptInPlace(
      accountId: string,
      messageId: string,
      securePassword: string,
    ): Promise<MessageSummary> {
      const identities = await secureMail.identities(accountId, securePassword);
      const row = await ownedMessage(ctx.db, accountId, messageId);
      const raw = await ctx.blobs.get(ctx.db, row.blob_id);
      const { message } = await decryptOuterLayer(raw, { identities });
      const security = detectSecurity(readHeader(message).fields);
      return replace(accountId, messageId, message, security, null);
    },

    /** Encrypts the complete stored message to the account's own certificate; the password is the proof. */
    async encryptInPlace(
      accountId: string,
      messageId: string,
      securePassword: string,
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
        messageId,
        sealed,
        row.security === "signed" ? "signed+encrypted" : "encrypted",
        account.encryptionMethod,
      );
    },
  };
}

/**
 * After an in-place Encrypt no plaintext may stay readable in the database files. SQLite:
 * secure_delete (set at open) zeroes freed pages in the main file; the WAL still holds the
 * old page images until a checkpoint, so checkpoint and truncate it now. PostgreSQL: the
 * dead tuple stays in the heap until VACUUM reclaims it (autovacuum, typically within
 * minutes; run VACUUM on messages/message_blobs to close that window at once) — see README.
 */
async function forgetOldPages(ctx: StoreContext): Promise<void> {
  if (ctx.engine !== "sqlite") return;
  try {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(ctx.db);
  } catch (error) {
    ctx.logger.warn({ error: String(error) }, "WAL checkpoint after an in-place change did not complete");
  }
}

export type MessageCrypto = ReturnType<typeof messageCryptoUseCases>;
