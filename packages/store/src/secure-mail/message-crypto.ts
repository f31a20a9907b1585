import {
  type Certificate,
  decryptOuterLayer,
  decryptOuterLayerStream,
  encryptWholeMessage,
  type Identity,
  isCoreError,
} from "@sealbox/core";
import { accountById } from "../accounts/accounts.js";
import { fromFlag, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { BLOB_CHUNK_BYTES } from "../mail/blob-store.js";
import { detectSecurity } from "../mail/detect-security.js";
import { forgetOldPages } from "../mail/forget-old-pages.js";
import { readHeader } from "../mail/header-reader.js";
import {
  insertMessage,
  insertMessageForBlob,
  type MessageFlag,
  type MessageSummary,
  ownedMessage,
  toSummary,
} from "../mail/messages.js";
import type { SecureMail } from "./secure-mail.js";
import type { KeyAccess } from "./unlock-sessions.js";

/**
 * Where one operation gets the account's keys (current first). An encrypt only needs the
 * proof: it seals to the current certificate.
 */
export type KeySource = () => Promise<Identity[]>;

export interface ReEncryptResult {
  status: "re-encrypted" | "already-current";
  summary: MessageSummary;
}

/**
 * Decrypt, Encrypt and re-encrypt in place. Each replaces one stored message with its other
 * form in ONE transaction — same mailbox, flags and date — so a crash leaves the
 * old message or the new one, never neither and never both. The crypto runs before the
 * transaction; the transaction only swaps rows.
 */
export function messageCryptoOps(ctx: StoreContext, secureMail: SecureMail) {
  /**
   * `bytes`, or a blob staged before the transaction (a large message, streamed) with its
   * header block: claimed in the swap, discarded when the swap fails.
   */
  async function replace(
    accountId: string,
    old: { id: string; blobId: string },
    bytes: Uint8Array | { staged: { id: string; size: number }; header: Uint8Array },
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
      const options = { flags, receivedAt: removed.date, security, cipher };
      if (bytes instanceof Uint8Array) return insertMessage(ctx, trx, removed.mailbox_id, bytes, options);
      await ctx.blobs.claim(trx, [bytes.staged.id]);
      return insertMessageForBlob(ctx, trx, removed.mailbox_id, bytes.staged, bytes.header, options);
    }).catch(async (error: unknown) => {
      if (!(bytes instanceof Uint8Array)) await ctx.blobs.discardStaged(ctx.db, [bytes.staged.id]);
      throw error;
    });
    await forgetOldPages(ctx);
    return result;
  }

  /**
   * The outer layer of a large stored message opened as it is read, chunk by chunk, into a
   * staged blob (never the whole message in memory, and no write lock held while it runs).
   */
  async function decryptStaged(blobId: string, identities: Identity[]) {
    let header: Uint8Array | undefined;
    async function* plaintext(): AsyncGenerator<Uint8Array> {
      header = (yield* decryptOuterLayerStream(ctx.blobs.read(ctx.db, blobId), { identities })).header;
    }
    const staged = await ctx.blobs.stage(ctx.db, plaintext(), ctx.now());
    if (!header) throw new StoreError("not-found", `message bytes ${blobId} are missing`);
    return { staged, header };
  }

  /** The account's cipher and the domain's hide-subject setting, for a message sealed anew. */
  async function sealToCurrent(accountId: string, raw: Uint8Array, certificate: Certificate) {
    const account = await accountById(ctx.db, accountId);
    const domain = await ctx.db
      .selectFrom("domains")
      .select("hide_subject_when_encrypting")
      .where("id", "=", account.domainId)
      .executeTakeFirstOrThrow();
    const sealed = await encryptWholeMessage(raw, {
      recipients: [certificate],
      cipher: account.encryptionMethod,
      hideSubject: fromFlag(domain.hide_subject_when_encrypting),
    });
    return { sealed, cipher: account.encryptionMethod };
  }

  async function currentCertificate(accountId: string): Promise<Certificate> {
    const current = await secureMail.currentCertificate(accountId);
    if (!current) throw new StoreError("no-key", "this account has no current Secure Mail certificate");
    return current.certificate;
  }

  /**
   * The same operations with the keys taken from a KeySource: the bulk runner proves a
   * Secure Mail Password once for a whole run (the check is a deliberately slow KDF), while
   * a session's unlock is asked again for each message, so a lock mid-run is noticed.
   */
  return {
    async decrypt(accountId: string, messageId: string, keys: KeySource): Promise<MessageSummary> {
      const identities = await keys();
      const row = await ownedMessage(ctx.db, accountId, messageId);
      const old = { id: row.id, blobId: row.blob_id };
      if (Number(row.size) > BLOB_CHUNK_BYTES) {
        const plain = await decryptStaged(row.blob_id, identities);
        const security = detectSecurity(readHeader(plain.header).fields);
        return replace(accountId, old, plain, security, null);
      }
      const raw = await ctx.blobs.get(ctx.db, row.blob_id);
      const { message } = await decryptOuterLayer(raw, { identities });
      const security = detectSecurity(readHeader(message).fields);
      return replace(accountId, old, message, security, null);
    },

    async encrypt(accountId: string, messageId: string, keys: KeySource): Promise<MessageSummary> {
      await keys();
      const certificate = await currentCertificate(accountId);
      const row = await ownedMessage(ctx.db, accountId, messageId);
      if (row.security === "encrypted" || row.security === "signed+encrypted") {
        throw new StoreError("invalid-argument", "the message is already encrypted");
      }
      const raw = await ctx.blobs.get(ctx.db, row.blob_id);
      const { sealed, cipher } = await sealToCurrent(accountId, raw, certificate);
      return replace(
        accountId,
        { id: row.id, blobId: row.blob_id },
        sealed,
        row.security === "signed" ? "signed+encrypted" : "encrypted",
        cipher,
      );
    },

    /**
     * Moves an encrypted message to the current key: the outer layer opened with any of the
     * account's keys (current or earlier), the plaintext sealed whole to the current
     * certificate, swapped in one transaction. A message the current key already opens is
     * left as it is.
     */
    async reEncrypt(accountId: string, messageId: string, keys: KeySource): Promise<ReEncryptResult> {
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
      const inner = detectSecurity(readHeader(message).fields);
      const summary = await replace(
        accountId,
        { id: row.id, blobId: row.blob_id },
        sealed,
        inner === "signed" || inner === "signed+encrypted" ? "signed+encrypted" : "encrypted",
        cipher,
      );
      return { status: "re-encrypted", summary };
    },
  };
}

export type MessageCryptoOps = ReturnType<typeof messageCryptoOps>;

/** The in-place use-cases apps call, each with the Secure Mail Password or an unlocked session. */
export function messageCryptoUseCases(
  ctx: StoreContext,
  secureMail: SecureMail,
  ops: MessageCryptoOps = messageCryptoOps(ctx, secureMail),
) {
  const sourceOf =
    (accountId: string, access: KeyAccess): KeySource =>
    () =>
      secureMail.identities(accountId, access);

  return {
    /** Needs the Secure Mail Password or an unlocked session; tries the current key, then earlier keys. */
    decryptInPlace: (accountId: string, messageId: string, securePassword: KeyAccess) =>
      ops.decrypt(accountId, messageId, sourceOf(accountId, securePassword)),

    /** Encrypts the complete stored message to the account's own certificate; the password is the proof. */
    encryptInPlace: (accountId: string, messageId: string, securePassword: KeyAccess) =>
      ops.encrypt(accountId, messageId, async () => {
        await secureMail.verifyPassword(accountId, securePassword);
        return [];
      }),

    /** After a renewal: an encrypted message sealed anew to the current certificate (skipped when already so). */
    reEncryptInPlace: (accountId: string, messageId: string, access: KeyAccess) =>
      ops.reEncrypt(accountId, messageId, sourceOf(accountId, access)),
  };
}

export type MessageCrypto = ReturnType<typeof messageCryptoUseCases>;
