import {
  type Certificate,
  CLASSIFY_BODY_BYTES,
  classifyMessage,
  DEFAULT_MIME_LIMITS,
  decryptOuterLayer,
  decryptOuterLayerStream,
  encryptWholeMessage,
  encryptWholeMessageStream,
  type Identity,
  isCoreError,
} from "@sealbox/core";
import { accountById } from "../accounts/accounts.js";
import { fromFlag, type StoreContext, write } from "../context.js";
import { domainById } from "../domains/domains.js";
import { StoreError } from "../errors.js";
import { BLOB_CHUNK_BYTES } from "../mail/blob-store.js";
import { forgetOldPages } from "../mail/forget-old-pages.js";
import { listedSecurity } from "../mail/message-metadata.js";
import {
  insertMessage,
  insertMessageForBlob,
  type MessageFlag,
  type MessageSummary,
  ownedMessage,
  takeMessageRow,
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
      // Delete first, and only the very row whose bytes were transformed: a second swap of
      // the same message (another web node, the CLI) then finds nothing to delete and inserts
      // nothing, so the message never exists twice. The row's mailbox, flags and date come
      // back from the delete itself, so a flag set meanwhile is not lost.
      const removed = await takeMessageRow(trx, accountId, old.id, old.blobId);
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

  /** Enough of a message for its metadata and core's classification: the largest header block and the body's start. */
  const START_BYTES = DEFAULT_MIME_LIMITS.maxHeaderBytes + CLASSIFY_BODY_BYTES;

  /**
   * The outer layer of a large stored message opened as it is read, chunk by chunk (never the
   * whole message in memory). `start()` is the plaintext's first bytes, kept as they pass, once
   * the stream has ended: core classifies the decrypted message from its header block and the
   * start of its body (an inner opaque signature shows only there).
   */
  function decryptedStream(blobId: string, identities: Identity[]) {
    let header: Uint8Array | undefined;
    const start: Uint8Array[] = [];
    let kept = 0;
    async function* plaintext(): AsyncGenerator<Uint8Array> {
      const layer = decryptOuterLayerStream(ctx.blobs.read(ctx.db, blobId), { identities });
      for (;;) {
        const next = await layer.next();
        if (next.done) {
          header = next.value.header;
          return;
        }
        if (kept < START_BYTES) {
          const piece = next.value.subarray(0, START_BYTES - kept);
          start.push(Buffer.from(piece));
          kept += piece.byteLength;
        }
        yield next.value;
      }
    }
    return {
      plaintext: plaintext(),
      start() {
        if (!header) throw new StoreError("not-found", `message bytes ${blobId} are missing`);
        return Buffer.concat(start);
      },
    };
  }

  /** Decrypt in place of a large message: the plaintext streamed into a staged blob (no write lock held while it runs). */
  async function decryptStaged(blobId: string, identities: Identity[]) {
    const opened = decryptedStream(blobId, identities);
    const staged = await ctx.blobs.stage(ctx.db, opened.plaintext, ctx.now());
    const prefix = opened.start();
    return { staged, header: prefix, start: prefix };
  }

  /**
   * Whether `identity` opens a large stored message: only its RecipientInfo and the first
   * decrypted bytes are read, then the decryption is ended (its CEK wiped).
   */
  async function opensWith(blobId: string, identity: Identity): Promise<boolean> {
    const layer = decryptOuterLayerStream(ctx.blobs.read(ctx.db, blobId), { identities: [identity] });
    try {
      await layer.next();
      return true;
    } catch (error) {
      if (isCoreError(error, "not-a-recipient")) return false;
      throw error;
    } finally {
      await layer.return(undefined as never);
    }
  }

  /** The account's cipher and the domain's hide-subject setting, for a message sealed anew. */
  async function sealing(accountId: string, certificate: Certificate) {
    const account = await accountById(ctx.db, accountId);
    const domain = await domainById(ctx.db, account.domainId);
    return {
      recipients: [certificate],
      cipher: account.encryptionMethod,
      hideSubject: domain.hideSubjectWhenEncrypting,
    };
  }

  async function sealToCurrent(accountId: string, raw: Uint8Array, certificate: Certificate) {
    const options = await sealing(accountId, certificate);
    return { sealed: await encryptWholeMessage(raw, options), cipher: options.cipher };
  }

  /**
   * A large message sealed as it is read (core's streaming encryptor) into a staged blob, with
   * the envelope's first bytes for its listing row: never the whole message in memory, and no
   * write lock held while it runs. `contentLength` is the plaintext's size when it is known
   * (a stored plaintext: DER); unknown (a plaintext decrypted on the way), the envelope is BER
   * with indefinite lengths, which every reader opens alike.
   */
  async function sealStaged(
    accountId: string,
    plaintext: AsyncIterable<Uint8Array>,
    certificate: Certificate,
    contentLength?: number,
  ) {
    const options = await sealing(accountId, certificate);
    const sealed = encryptWholeMessageStream(plaintext, {
      ...options,
      ...(contentLength !== undefined ? { contentLength } : {}),
    });
    const start: Uint8Array[] = [];
    let kept = 0;
    async function* keepingStart(): AsyncGenerator<Uint8Array> {
      for await (const piece of sealed) {
        if (kept < START_BYTES) {
          const part = piece.subarray(0, START_BYTES - kept);
          start.push(Buffer.from(part));
          kept += part.byteLength;
        }
        yield piece;
      }
    }
    const staged = await ctx.blobs.stage(ctx.db, keepingStart(), ctx.now());
    return { staged, header: Buffer.concat(start), cipher: options.cipher };
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
        const { security, cipher } = listedSecurity(classifyMessage(plain.start, { complete: false }));
        return replace(accountId, old, plain, security, cipher);
      }
      const raw = await ctx.blobs.get(ctx.db, row.blob_id);
      const { message } = await decryptOuterLayer(raw, { identities });
      const { security, cipher } = listedSecurity(classifyMessage(message));
      return replace(accountId, old, message, security, cipher);
    },

    async encrypt(accountId: string, messageId: string, keys: KeySource): Promise<MessageSummary> {
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
