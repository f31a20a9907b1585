import { type Selectable, type SelectQueryBuilder, sql } from "kysely";
import { type Executor, fromFlag, type StoreContext, toFlag, write } from "../context.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import type { Database, Flag, MessagesTable, SecurityKind } from "../schema.js";
import { readChunksOfSize, tableBlobStore } from "./blob-store.js";
import { mboxrdMessage } from "./export-mbox.js";
import { forgetOldPages } from "./forget-old-pages.js";
import { findMailbox, mailboxById } from "./mailboxes.js";
import { extractMetadata, type MessageMetadata } from "./message-metadata.js";

export type MessageFlag = "seen" | "flagged" | "deleted";
export const MESSAGE_FLAGS: readonly MessageFlag[] = ["seen", "flagged", "deleted"];
export const SECURITY_KINDS: readonly SecurityKind[] = ["plain", "signed", "encrypted", "signed+encrypted"];

export interface MessageSummary {
  id: string;
  mailboxId: string;
  messageId: string | null;
  from: string;
  to: string;
  cc: string;
  subject: string;
  /** Epoch ms: the Date header, else arrival. */
  date: number;
  size: number;
  flags: MessageFlag[];
  security: SecurityKind;
  /** The content-encryption cipher: core's reading of the CMS, or whoever encrypted it. */
  cipher: string | null;
  createdAt: number;
}

export interface AppendOptions {
  flags?: readonly MessageFlag[];
  /** Arrival time (default: now); the listing date when the message has no usable Date header. */
  receivedAt?: number;
  /**
   * The kind and cipher when the caller knows them (it encrypted the message: a signed one is
   * "signed+encrypted"; or it classified it already). Given both, they are stored as they are;
   * otherwise core's classifyMessage reads the message.
   */
  security?: SecurityKind;
  cipher?: string | null;
}

export const SUMMARY_COLUMNS = [
  "id",
  "mailbox_id",
  "message_id",
  "from_text",
  "to_text",
  "cc_text",
  "subject",
  "date",
  "size",
  "seen",
  "flagged",
  "deleted",
  "security",
  "cipher",
  "created_at",
] as const;

type SummaryRow = Pick<Selectable<MessagesTable>, (typeof SUMMARY_COLUMNS)[number]>;

export function toSummary(row: SummaryRow): MessageSummary {
  const flags = MESSAGE_FLAGS.filter((f) => fromFlag(row[f]));
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    messageId: row.message_id,
    from: row.from_text,
    to: row.to_text,
    cc: row.cc_text,
    subject: row.subject,
    date: row.date,
    size: Number(row.size),
    flags,
    security: row.security,
    cipher: row.cipher,
    createdAt: row.created_at,
  };
}

/** Message and unseen counts of each of an account's mailboxes that holds any. */
export async function countsByMailbox(
  q: Executor,
  accountId: string,
): Promise<Array<{ mailbox_id: string; total: number; unseen: number }>> {
  return q
    .selectFrom("messages")
    .select((eb) => [
      "mailbox_id",
      eb.fn.countAll<number>().as("total"),
      eb.fn.sum<number>(eb.case().when("seen", "=", 0).then(1).else(0).end()).as("unseen"),
    ])
    .where("mailbox_id", "in", (eb) =>
      eb.selectFrom("mailboxes").select("id").where("account_id", "=", accountId),
    )
    .groupBy("mailbox_id")
    .execute();
}

/**
 * One page of a mailbox's listing rows, newest first (date, then id), after a keyset position,
 * optionally filtered by a LIKE pattern (escape `!`) on the subject and/or the sender. Asks for
 * one row more than `limit`, which tells the caller whether a next page exists.
 */
export async function listingRows(
  q: Executor,
  mailboxId: string,
  options: {
    limit: number;
    after?: { date: number; id: string };
    pattern?: { like: string; in: "subject" | "from" | "both" };
  },
): Promise<SummaryRow[]> {
  let query = q
    .selectFrom("messages")
    .select(SUMMARY_COLUMNS)
    .where("mailbox_id", "=", mailboxId)
    .orderBy("date", "desc")
    .orderBy("id", "desc")
    .limit(options.limit + 1);
  const after = options.after;
  if (after)
    query = query.where((eb) =>
      // `date <= d` bounds the index range; the OR only trims ties at its edge.
      eb.and([eb("date", "<=", after.date), eb.or([eb("date", "<", after.date), eb("id", "<", after.id)])]),
    );
  const pattern = options.pattern;
  if (pattern)
    query = query.where((eb) => {
      const subject = sql<boolean>`${eb.ref("subject_lower")} like ${pattern.like} escape '!'`;
      const from = sql<boolean>`${eb.ref("from_lower")} like ${pattern.like} escape '!'`;
      return pattern.in === "subject" ? subject : pattern.in === "from" ? from : eb.or([subject, from]);
    });
  return query.execute() as Promise<SummaryRow[]>;
}

/** Encrypted rows listed with no cipher (stored before core's classification), by id, a batch at a time. */
export async function encryptedRowsWithoutCipher(
  q: Executor,
  after: string,
  limit: number,
): Promise<Array<{ id: string; blob_id: string; size: number; security: SecurityKind }>> {
  const rows = await q
    .selectFrom("messages")
    .select(["id", "blob_id", "size", "security"])
    .where("security", "in", ["encrypted", "signed+encrypted"])
    .where("cipher", "is", null)
    .where("id", ">", after)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, size: Number(r.size) }));
}

/**
 * Sets the listing's security and cipher of a row still holding `blobId` and no cipher (a
 * Decrypt in place meanwhile replaced it with another row, listed from its own bytes). Whether
 * it changed.
 */
export async function setClassification(
  q: Executor,
  row: { id: string; blobId: string; security: SecurityKind; cipher: string | null },
): Promise<boolean> {
  const result = await q
    .updateTable("messages")
    .set({ security: row.security, cipher: row.cipher })
    .where("id", "=", row.id)
    .where("blob_id", "=", row.blobId)
    .where("cipher", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function checkFlags(flags: readonly string[]): MessageFlag[] {
  for (const f of flags)
    if (!MESSAGE_FLAGS.includes(f as MessageFlag))
      throw new StoreError("invalid-argument", `unknown flag "${f}" (flags are ${MESSAGE_FLAGS.join(", ")})`);
  return flags as MessageFlag[];
}

/** Stores the bytes and the listing row in the caller's transaction. */
export async function insertMessage(
  ctx: StoreContext,
  q: Executor,
  mailboxId: string,
  raw: Uint8Array,
  options: AppendOptions = {},
): Promise<MessageSummary> {
  const now = ctx.now();
  const meta = checkedMetadata(raw, raw.byteLength, now, options);
  const blobId = await ctx.blobs.put(q, raw, now);
  return insertRow(q, mailboxId, blobId, meta, options, now);
}

/**
 * The listing row for bytes already stored (a claimed staged blob, a streamed put), in the
 * caller's transaction; `header` is the start of the message: its header block, and for core's
 * classification the first bytes of the body (`CLASSIFY_BODY_BYTES`), unless `security` and
 * `cipher` are given.
 */
export async function insertMessageForBlob(
  ctx: StoreContext,
  q: Executor,
  mailboxId: string,
  blob: { id: string; size: number },
  header: Uint8Array,
  options: AppendOptions = {},
): Promise<MessageSummary> {
  const now = ctx.now();
  const meta = checkedMetadata(header, blob.size, now, options);
  return insertRow(q, mailboxId, blob.id, meta, options, now);
}

function checkedMetadata(header: Uint8Array, size: number, now: number, options: AppendOptions) {
  // A caller that says both (it encrypted the message, or classified it already) is taken at its
  // word: core need not read the message a second time.
  const listed =
    options.security !== undefined && options.cipher !== undefined
      ? { security: options.security, cipher: options.cipher }
      : undefined;
  const meta = extractMetadata(header, options.receivedAt ?? now, { size, ...(listed ? { listed } : {}) });
  checkOptions(options);
  return meta;
}

function checkOptions(options: AppendOptions): void {
  checkFlags(options.flags ?? []);
  if (options.security !== undefined && !SECURITY_KINDS.includes(options.security))
    throw new StoreError("invalid-argument", `unknown security kind "${options.security}"`);
}

/**
 * The listing row for bytes already in a blob whose header block delivery has parsed already
 * (it is parsed once per message), in the caller's transaction.
 */
export async function insertMessageRow(
  ctx: StoreContext,
  q: Executor,
  mailboxId: string,
  blobId: string,
  meta: MessageMetadata,
  options: AppendOptions = {},
): Promise<MessageSummary> {
  checkOptions(options);
  return insertRow(q, mailboxId, blobId, meta, options, ctx.now());
}

// Compiled once: every stored message (each delivered copy) inserts one.
const insertMessageQuery = hotQuery(
  (
    db,
    id: string,
    mailbox_id: string,
    blob_id: string,
    message_id: string | null,
    from_text: string,
    to_text: string,
    cc_text: string,
    subject: string,
    subject_lower: string,
    from_lower: string,
    date: number,
    size: number,
    seen: Flag,
    flagged: Flag,
    deleted: Flag,
    security: SecurityKind,
    cipher: string | null,
    created_at: number,
  ) =>
    db.insertInto("messages").values({
      id,
      mailbox_id,
      blob_id,
      message_id,
      from_text,
      to_text,
      cc_text,
      subject,
      subject_lower,
      from_lower,
      date,
      size,
      seen,
      flagged,
      deleted,
      security,
      cipher,
      created_at,
    }),
);

async function insertRow(
  q: Executor,
  mailboxId: string,
  blobId: string,
  meta: ReturnType<typeof extractMetadata>,
  options: AppendOptions,
  now: number,
): Promise<MessageSummary> {
  const flags = options.flags ?? [];
  const row = {
    id: newId(now),
    mailbox_id: mailboxId,
    blob_id: blobId,
    message_id: meta.messageId,
    from_text: meta.from,
    to_text: meta.to,
    cc_text: meta.cc,
    subject: meta.subject,
    subject_lower: meta.subject.toLowerCase(),
    from_lower: meta.from.toLowerCase(),
    date: meta.date,
    size: meta.size,
    seen: toFlag(flags.includes("seen")),
    flagged: toFlag(flags.includes("flagged")),
    deleted: toFlag(flags.includes("deleted")),
    security: options.security ?? meta.security,
    cipher: options.cipher ?? meta.cipher,
    created_at: now,
  } as const;
  await insertMessageQuery(
    q,
    row.id,
    row.mailbox_id,
    row.blob_id,
    row.message_id,
    row.from_text,
    row.to_text,
    row.cc_text,
    row.subject,
    row.subject_lower,
    row.from_lower,
    row.date,
    row.size,
    row.seen,
    row.flagged,
    row.deleted,
    row.security,
    row.cipher,
    row.created_at,
  );
  return toSummary(row);
}

/** Deletes matching messages and their bytes in the caller's transaction. */
export async function deleteMessagesWhere(
  ctx: StoreContext,
  q: Executor,
  filter: (
    query: SelectQueryBuilder<Database, "messages", { blob_id: string }>,
  ) => SelectQueryBuilder<Database, "messages", { blob_id: string }>,
): Promise<number> {
  const rows = await filter(q.selectFrom("messages").select("blob_id")).execute();
  if (rows.length === 0) return 0;
  await q
    .deleteFrom("messages")
    .where(
      "blob_id",
      "in",
      rows.map((r) => r.blob_id),
    )
    .execute();
  await ctx.blobs.delete(
    q,
    rows.map((r) => r.blob_id),
  );
  return rows.length;
}

/**
 * Deletes one message row of the account — only if it still points at `blobId` — and returns
 * what a replacement row keeps (mailbox, date, flags); undefined when it is gone or was
 * replaced meanwhile. On PostgreSQL a second delete of the same row waits on this one's row
 * lock, then finds nothing (READ COMMITTED re-checks the row). The blob is the caller's.
 */
export async function takeMessageRow(q: Executor, accountId: string, messageId: string, blobId: string) {
  return q
    .deleteFrom("messages")
    .where("id", "=", messageId)
    .where("blob_id", "=", blobId)
    .where("mailbox_id", "in", (eb) =>
      eb.selectFrom("mailboxes").select("id").where("account_id", "=", accountId),
    )
    .returning(["mailbox_id", "date", "seen", "flagged", "deleted"])
    .executeTakeFirst();
}

/** A message row the account owns, with its blob id; not-found otherwise (never another account's). */
export async function ownedMessage(
  q: Executor,
  accountId: string,
  messageId: string,
): Promise<SummaryRow & { blob_id: string }> {
  const row = await q
    .selectFrom("messages")
    .innerJoin("mailboxes", "mailboxes.id", "messages.mailbox_id")
    .select(SUMMARY_COLUMNS.map((c) => `messages.${c}` as const))
    .select("messages.blob_id")
    .where("mailboxes.account_id", "=", accountId)
    .where("messages.id", "=", messageId)
    .executeTakeFirst();
  if (!row) throw new StoreError("not-found", `no message ${messageId}`);
  return row;
}

/**
 * The row, its size and its first chunk in one query (opening a message: every read asks).
 * SQLite only: PostgreSQL would send the chunk as hex text (ownedRowWithSize there).
 */
const ownedRowWithRaw = hotQuery((db, accountId: string, messageId: string) =>
  db
    .selectFrom("messages")
    .innerJoin("mailboxes", "mailboxes.id", "messages.mailbox_id")
    .leftJoin("message_blobs", "message_blobs.id", "messages.blob_id")
    .leftJoin("message_blob_chunks", (join) =>
      join
        .onRef("message_blob_chunks.blob_id", "=", "messages.blob_id")
        .on("message_blob_chunks.seq", "=", 0),
    )
    .select(SUMMARY_COLUMNS.map((c) => `messages.${c}` as const))
    .select(["messages.blob_id", "message_blobs.size as blobSize", "message_blob_chunks.data as first"])
    .where("mailboxes.account_id", "=", accountId)
    .where("messages.id", "=", messageId),
);

/** The row and its blob's size in one query; the bytes follow by binary COPY. */
const ownedRowWithSize = hotQuery((db, accountId: string, messageId: string) =>
  db
    .selectFrom("messages")
    .innerJoin("mailboxes", "mailboxes.id", "messages.mailbox_id")
    .leftJoin("message_blobs", "message_blobs.id", "messages.blob_id")
    .select(SUMMARY_COLUMNS.map((c) => `messages.${c}` as const))
    .select(["messages.blob_id", "message_blobs.size as blobSize"])
    .where("mailboxes.account_id", "=", accountId)
    .where("messages.id", "=", messageId),
);

/** Whether the account's mailbox of this name holds the message (a draft in Drafts, …). */
export async function isMessageInMailboxNamed(
  q: Executor,
  accountId: string,
  mailboxName: string,
  messageId: string,
): Promise<boolean> {
  const row = await q
    .selectFrom("messages")
    .innerJoin("mailboxes", "mailboxes.id", "messages.mailbox_id")
    .select("messages.id")
    .where("mailboxes.account_id", "=", accountId)
    .where("mailboxes.name", "=", mailboxName)
    .where("messages.id", "=", messageId)
    .executeTakeFirst();
  return row !== undefined;
}

/** The account's messages in a mailbox whose security is one of `kinds`, in id order. */
export async function messagesOfSecurity(
  q: Executor,
  accountId: string,
  mailboxId: string,
  kinds: readonly SecurityKind[],
): Promise<Array<{ id: string; subject: string }>> {
  return q
    .selectFrom("messages")
    .innerJoin("mailboxes", "mailboxes.id", "messages.mailbox_id")
    .select(["messages.id", "messages.subject"])
    .where("mailboxes.account_id", "=", accountId)
    .where("messages.mailbox_id", "=", mailboxId)
    .where("messages.security", "in", kinds)
    .orderBy("messages.id")
    .execute();
}

/** A message's security while it is still in that mailbox (undefined: moved or deleted). */
export async function securityInMailbox(
  q: Executor,
  messageId: string,
  mailboxId: string,
): Promise<SecurityKind | undefined> {
  const row = await q
    .selectFrom("messages")
    .select("security")
    .where("id", "=", messageId)
    .where("mailbox_id", "=", mailboxId)
    .executeTakeFirst();
  return row?.security;
}

export async function markSeen(q: Executor, messageId: string): Promise<void> {
  await q.updateTable("messages").set({ seen: 1 }).where("id", "=", messageId).execute();
}

/**
 * A message of the account with its raw bytes. Opening a message asks on every request, so
 * with the bytes in the database (the table blob store): on SQLite row, size and first chunk
 * come in one query (all of a message up to BLOB_CHUNK_BYTES); on PostgreSQL row and size,
 * then the bytes by binary COPY. Any other blob store is asked as usual.
 */
export async function ownedMessageWithRaw(
  ctx: StoreContext,
  accountId: string,
  messageId: string,
): Promise<{ row: SummaryRow & { blob_id: string }; raw: Uint8Array }> {
  if (ctx.blobs !== tableBlobStore) {
    const row = await ownedMessage(ctx.db, accountId, messageId);
    return { row, raw: await ctx.blobs.get(ctx.db, row.blob_id) };
  }
  if (ctx.engine === "postgres") {
    const [found] = await ownedRowWithSize(ctx.db, accountId, messageId);
    if (!found) throw new StoreError("not-found", `no message ${messageId}`);
    const { blobSize, ...row } = found;
    if (blobSize === null) throw new StoreError("not-found", `message bytes ${row.blob_id} are missing`);
    const size = Number(blobSize);
    const raw = new Uint8Array(size);
    let at = 0;
    for await (const chunk of readChunksOfSize(ctx.db, row.blob_id, size)) {
      if (at + chunk.byteLength > size) break;
      raw.set(chunk, at);
      at += chunk.byteLength;
    }
    // The same refusal as the blob store's own get.
    if (at !== size) throw new StoreError("not-found", `message bytes ${row.blob_id} are missing`);
    return { row, raw };
  }
  const [found] = await ownedRowWithRaw(ctx.db, accountId, messageId);
  if (!found) throw new StoreError("not-found", `no message ${messageId}`);
  const { blobSize, first, ...row } = found;
  // The same refusal as the blob store's own get.
  if (blobSize === null) throw new StoreError("not-found", `message bytes ${row.blob_id} are missing`);
  const size = Number(blobSize);
  if (size === 0) return { row, raw: new Uint8Array(0) };
  if (first && first.byteLength === size) return { row, raw: first };
  return { row, raw: await ctx.blobs.get(ctx.db, row.blob_id) };
}

export function messageRepository(ctx: StoreContext) {
  return {
    /** Appends raw bytes exactly as given to a mailbox of the account. */
    append: (accountId: string, mailboxId: string, raw: Uint8Array, options: AppendOptions = {}) =>
      write(ctx, async (trx) => {
        await mailboxById(trx, accountId, mailboxId);
        return insertMessage(ctx, trx, mailboxId, raw, options);
      }),

    get: async (accountId: string, messageId: string): Promise<MessageSummary> =>
      toSummary(await ownedMessage(ctx.db, accountId, messageId)),

    /** The exact stored bytes. */
    raw: async (accountId: string, messageId: string): Promise<Uint8Array> => {
      const row = await ownedMessage(ctx.db, accountId, messageId);
      return ctx.blobs.get(ctx.db, row.blob_id);
    },

    /**
     * The exact stored bytes as a stream, chunk by chunk (show and export of a 64 MiB message
     * hold one chunk, not the message). `size` is known before the first byte is read.
     */
    rawStream: async (
      accountId: string,
      messageId: string,
    ): Promise<{ size: number; stream: AsyncIterable<Uint8Array> }> => {
      const row = await ownedMessage(ctx.db, accountId, messageId);
      const size = await ctx.blobs.size(ctx.db, row.blob_id);
      return { size, stream: ctx.blobs.read(ctx.db, row.blob_id) };
    },

    /**
     * A mailbox as one mboxrd file, oldest first, streamed: each message's stored bytes go out
     * a chunk at a time (only the ids and dates of the mailbox are held). A message deleted
     * before the export reaches it is left out; one deleted while its bytes are being read
     * ends the export with not-found.
     */
    exportMbox: async (accountId: string, mailboxId: string): Promise<AsyncIterable<Uint8Array>> => {
      await mailboxById(ctx.db, accountId, mailboxId);
      const rows = await ctx.db
        .selectFrom("messages")
        .select(["id", "blob_id", "created_at"])
        .where("mailbox_id", "=", mailboxId)
        .orderBy("created_at", "asc")
        .orderBy("id", "asc")
        .execute();
      return (async function* () {
        for (const row of rows) {
          // Gone since the listing (deleted, or replaced by Decrypt/Encrypt): left out. Any
          // other failure (the database away) ends the export with that error.
          const size = await ctx.blobs.size(ctx.db, row.blob_id).catch((error: unknown) => {
            if (error instanceof StoreError && error.code === "not-found") return undefined;
            throw error;
          });
          if (size === undefined) continue;
          yield* mboxrdMessage(Number(row.created_at), ctx.blobs.read(ctx.db, row.blob_id));
        }
      })();
    },

    setFlags: (accountId: string, messageId: string, flags: Partial<Record<MessageFlag, boolean>>) =>
      write(ctx, async (trx) => {
        const row = await ownedMessage(trx, accountId, messageId);
        const set: Partial<Record<MessageFlag, 0 | 1>> = {};
        for (const f of checkFlags(Object.keys(flags))) set[f] = toFlag(flags[f] === true);
        if (Object.keys(set).length > 0)
          await trx.updateTable("messages").set(set).where("id", "=", row.id).execute();
        return toSummary({ ...row, ...set });
      }),

    /** Moves a message to another mailbox of the same account: one UPDATE, so it is never in both or neither. */
    move: (accountId: string, messageId: string, targetMailboxId: string) =>
      write(ctx, async (trx) => {
        const row = await ownedMessage(trx, accountId, messageId);
        await mailboxById(trx, accountId, targetMailboxId);
        await trx
          .updateTable("messages")
          .set({ mailbox_id: targetMailboxId })
          .where("id", "=", row.id)
          .execute();
        return toSummary({ ...row, mailbox_id: targetMailboxId });
      }),

    /** Copies a message (bytes, metadata, flags) to a mailbox of the same account, in one transaction. */
    copy: (accountId: string, messageId: string, targetMailboxId: string) =>
      write(ctx, async (trx) => {
        const row = await ownedMessage(trx, accountId, messageId);
        await mailboxById(trx, accountId, targetMailboxId);
        const now = ctx.now();
        const blobId = await ctx.blobs.copy(trx, row.blob_id, now);
        const full = await trx
          .selectFrom("messages")
          .selectAll()
          .where("id", "=", row.id)
          .executeTakeFirstOrThrow();
        const copy = {
          ...full,
          id: newId(now),
          mailbox_id: targetMailboxId,
          blob_id: blobId,
          created_at: now,
        };
        await trx.insertInto("messages").values(copy).execute();
        return toSummary(copy);
      }),

    remove: async (accountId: string, messageId: string): Promise<void> => {
      await write(ctx, async (trx) => {
        const row = await ownedMessage(trx, accountId, messageId);
        await deleteMessagesWhere(ctx, trx, (q) => q.where("id", "=", row.id));
      });
      await forgetOldPages(ctx);
    },

    /** Delete as a mail client does it: to Trash, and from Trash (or without one) for good. */
    trash: async (accountId: string, messageId: string): Promise<{ removed: boolean }> => {
      const result = await write(ctx, async (trx): Promise<{ removed: boolean }> => {
        const row = await ownedMessage(trx, accountId, messageId);
        const trash = await findMailbox(trx, accountId, "Trash");
        if (!trash || row.mailbox_id === trash.id) {
          await deleteMessagesWhere(ctx, trx, (q) => q.where("id", "=", row.id));
          return { removed: true };
        }
        await trx.updateTable("messages").set({ mailbox_id: trash.id }).where("id", "=", row.id).execute();
        return { removed: false };
      });
      if (result.removed) await forgetOldPages(ctx);
      return result;
    },

    /** Deletes the messages flagged deleted in a mailbox; returns how many. */
    expunge: async (accountId: string, mailboxId: string): Promise<number> => {
      const removed = await write(ctx, async (trx) => {
        await mailboxById(trx, accountId, mailboxId);
        return deleteMessagesWhere(ctx, trx, (q) =>
          q.where("mailbox_id", "=", mailboxId).where("deleted", "=", 1),
        );
      });
      if (removed > 0) await forgetOldPages(ctx);
      return removed;
    },
  };
}

export type MessageRepository = ReturnType<typeof messageRepository>;
