import { encryptWholeMessage } from "@sealbox/core";
import { accountById } from "../accounts/accounts.js";
import { type StoreContext, write } from "../context.js";
import { domainById } from "../domains/domains.js";
import { StoreError } from "../errors.js";
import { forgetOldPages } from "../mail/forget-old-pages.js";
import { ensureMailbox } from "../mail/mailboxes.js";
import {
  deleteMessagesWhere,
  insertMessage,
  isMessageInMailboxNamed,
  type MessageSummary,
} from "../mail/messages.js";
import type { SecureMail } from "../secure-mail/secure-mail.js";
import type { KeyAccess } from "../secure-mail/unlock-sessions.js";
import { type ComposeInput, composeMessage, parseTypedAddresses } from "./compose.js";
import { type CertificateSources, recipientCertificate } from "./recipient-certificates.js";
import type { SendOptions, SendResult } from "./send.js";

export interface RecipientCertificateStatus {
  address: string;
  ok: boolean;
  /** Why no certificate can be used ("no certificate", "expired", …); null when ok. */
  reason: string | null;
  /** Where the certificate comes from: the sender's address books win over the directory. */
  source: "address-book" | "directory" | null;
}

/**
 * Compose as a user does it (web, terminal client): a form's fields become a message, which
 * is sent (signed and/or encrypted through `send`) or kept as a draft. A draft of a message
 * to be sent encrypted is stored encrypted to the sender, never in plaintext.
 */
export function composerUseCases(
  ctx: StoreContext,
  deps: {
    secureMail: SecureMail;
    certificates: CertificateSources;
    send(accountId: string, raw: Uint8Array, options: SendOptions): Promise<SendResult>;
  },
) {
  /** A draft id must name a message in the account's own Drafts: anything else is not-found. */
  async function requireDraft(accountId: string, draftId: string): Promise<void> {
    if (!(await isMessageInMailboxNamed(ctx.db, accountId, "Drafts", draftId)))
      throw new StoreError("not-found", `no draft ${draftId}`);
  }

  async function removeDraft(accountId: string, draftId: string | undefined): Promise<void> {
    if (!draftId) return;
    await write(ctx, async (trx) => {
      const drafts = await ensureMailbox(trx, accountId, "Drafts", ctx.now());
      await deleteMessagesWhere(ctx, trx, (q) =>
        q.where("id", "=", draftId).where("mailbox_id", "=", drafts.id),
      );
    });
  }

  return {
    /** The message the form describes, as bytes (for previews and tests). */
    async build(accountId: string, input: ComposeInput): Promise<Uint8Array> {
      const account = await accountById(ctx.db, accountId);
      return composeMessage(account, input);
    },

    /** Sends the form's message; a draft it was saved as is removed once it is sent. */
    async send(
      accountId: string,
      input: ComposeInput,
      options: { sign?: boolean; encrypt?: boolean; access?: KeyAccess; draftId?: string } = {},
    ): Promise<SendResult> {
      const account = await accountById(ctx.db, accountId);
      const raw = composeMessage(account, input);
      if (options.draftId) await requireDraft(accountId, options.draftId);
      const result = await deps.send(accountId, raw, {
        ...(options.sign ? { sign: true } : {}),
        ...(options.encrypt ? { encrypt: true } : {}),
        ...(options.access !== undefined ? { securePassword: options.access } : {}),
      });
      await removeDraft(accountId, options.draftId);
      return result;
    },

    /** Saves (or replaces) a draft in Drafts; `encrypt` stores it encrypted to the sender's own certificate. */
    async saveDraft(
      accountId: string,
      input: ComposeInput,
      options: { encrypt?: boolean; replaceId?: string } = {},
    ): Promise<MessageSummary> {
      const account = await accountById(ctx.db, accountId);
      if (options.replaceId) await requireDraft(accountId, options.replaceId);
      let raw = composeMessage(account, input);
      raw = Buffer.concat([
        Buffer.from(`Date: ${new Date(ctx.now()).toUTCString().replace("GMT", "+0000")}\r\n`),
        raw,
      ]);
      let security: MessageSummary["security"] = "plain";
      let cipher: string | null = null;
      if (options.encrypt) {
        const current = await deps.secureMail.currentCertificate(accountId);
        if (!current)
          throw new StoreError(
            "no-key",
            "a draft to be sent encrypted needs your own certificate to be stored encrypted",
          );
        const domain = await domainById(ctx.db, account.domainId);
        raw = await encryptWholeMessage(raw, {
          recipients: [current.certificate],
          cipher: account.encryptionMethod,
          hideSubject: domain.hideSubjectWhenEncrypting,
        });
        security = "encrypted";
        cipher = account.encryptionMethod;
      }
      const saved = await write(ctx, async (trx) => {
        const drafts = await ensureMailbox(trx, accountId, "Drafts", ctx.now());
        if (options.replaceId)
          await deleteMessagesWhere(ctx, trx, (q) =>
            q.where("id", "=", options.replaceId as string).where("mailbox_id", "=", drafts.id),
          );
        return insertMessage(ctx, trx, drafts.id, raw, { flags: ["seen"], security, cipher });
      });
      // The replaced version (perhaps plaintext, now kept encrypted) must not linger in the WAL.
      if (options.replaceId) await forgetOldPages(ctx);
      return saved;
    },

    /** For each address typed in To, Cc and Bcc: can the message be encrypted to it, and if not why. */
    async recipientCertificates(
      accountId: string,
      fields: { to?: string; cc?: string; bcc?: string },
    ): Promise<RecipientCertificateStatus[]> {
      const addresses = [
        ...parseTypedAddresses("To", fields.to),
        ...parseTypedAddresses("Cc", fields.cc),
        ...parseTypedAddresses("Bcc", fields.bcc),
      ].map((a) => a.address);
      const seen = new Set<string>();
      const out: RecipientCertificateStatus[] = [];
      for (const address of addresses) {
        const key = address.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        const found = await recipientCertificate(ctx, deps.certificates, accountId, address);
        if (!found.ok) {
          out.push({ address, ok: false, reason: found.reason, source: null });
          continue;
        }
        const fromBook = (await deps.certificates.addressBook(accountId, address)).some(
          (c) => Buffer.compare(Buffer.from(c.der), Buffer.from(found.certificate.der)) === 0,
        );
        out.push({ address, ok: true, reason: null, source: fromBook ? "address-book" : "directory" });
      }
      return out;
    },
  };
}

export type Composer = ReturnType<typeof composerUseCases>;
