import {
  type Certificate,
  CLASSIFY_BODY_BYTES,
  DEFAULT_MIME_LIMITS,
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
import { forgetOldPages } from "../mail/forget-old-pages.js";
import {
  insertMessage,
  insertMessageForBlob,
  type MessageFlag,
  type MessageSummary,
  takeMessageRow,
} from "../mail/messages.js";
import type { SecureMail } from "./secure-mail.js";

/**
 * Where one operation gets the account's keys (current first). An encrypt only needs the
 * proof: it seals to the current certificate.
 */
export type KeySource = () => Promise<Identity[]>;

/**
 * What Decrypt, Encrypt and re-encrypt in place share (decrypt-in-place.ts,
 * encrypt-in-place.ts, re-encrypt-in-place.ts): each replaces one stored message with its
 * other form in ONE transaction — same mailbox, flags and date — so a crash leaves the old
 * message or the new one, never neither and never both. The crypto runs before the
 * transaction (`replace` only swaps rows); a large message is streamed into a staged blob.
 */
export function inPlaceSwap(ctx: StoreContext, secureMail: SecureMail) {
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

  return {
    replace,
    decryptedStream,
    decryptStaged,
    opensWith,
    sealToCurrent,
    sealStaged,
    currentCertificate,
  };
}

export type InPlaceSwap = ReturnType<typeof inPlaceSwap>;
