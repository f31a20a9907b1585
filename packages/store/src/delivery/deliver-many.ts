import type { Account } from "../accounts/accounts.js";
import type { Executor, StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { insertJob, type Job } from "../jobs/jobs.js";
import { BLOB_CHUNK_BYTES } from "../mail/blob-store.js";
import { type IncomingMessage, incomingMessage, type MessageSource } from "../mail/incoming-message.js";
import {
  encodeOutgoing,
  encodeOutgoingEnvelope,
  OUTGOING_JOB_KIND,
  type OutgoingMessage,
} from "../outgoing/outgoing-message.js";
import { CopyAllowance, discardCopies } from "./copy-content.js";
import {
  type DeliverOptions,
  type DeliveryResult,
  deliveryResult,
  type EncryptForAccount,
  type PreparedDelivery,
  prepareDelivery,
  writeDelivery,
} from "./deliver.js";

export interface DeliverManyOptions extends DeliverOptions {
  /** Bytes of small copies held in memory until the commit (default COPIES_IN_MEMORY_BYTES); the rest are staged. */
  copiesInMemoryBytes?: number;
  /** More writes that must commit with the copies (send's Sent copy), on the same transaction. */
  alsoWrite?: (trx: Executor) => Promise<void>;
  /**
   * An outgoing message (the remote recipients of an authenticated submission) queued in
   * the SAME transaction as the local copies: the submission is durable as a whole or not
   * at all, so a client that retries after a failure never gets a duplicate local copy
   * beside a lost remote one. Without `raw`, the message delivered is queued: the job row
   * holds its bytes, read from the source (bounded by the caller's size limit; only an
   * authenticated submitter's remote recipients get here): inline in the payload up to one
   * blob chunk, else streamed into a staged blob the job owns, claimed by the same commit.
   */
  queue?: {
    message: Omit<OutgoingMessage, "raw"> & { raw?: Uint8Array };
    runAt?: number;
    maxAttempts?: number;
  };
}

export interface DeliverManyResult {
  /** One per account, in the order given. */
  deliveries: Array<{ accountId: string; address: string; result: DeliveryResult }>;
  /** The outgoing job, when `queue` was given. */
  queued: Job | null;
}

/** An outgoing job's bytes before the commit: in memory, or staged in a blob the job will own. */
type QueuedBytes = { kind: "inline"; raw: Uint8Array } | { kind: "staged"; blobId: string };

/**
 * The bytes an outgoing job gets: the caller's (send's signed or encrypted message), the
 * delivered message whole when it fits one blob chunk, else the delivered message streamed
 * from its source into a staged blob (outside the write lock; never whole in memory).
 */
async function queuedBytes(
  ctx: StoreContext,
  given: Uint8Array | undefined,
  message: IncomingMessage,
): Promise<QueuedBytes> {
  if (given) return { kind: "inline", raw: given };
  if (message.bytes) return { kind: "inline", raw: message.bytes };
  if (message.size <= BLOB_CHUNK_BYTES) {
    const parts: Buffer[] = [];
    for await (const part of message.open()) parts.push(Buffer.from(part));
    return { kind: "inline", raw: Buffer.concat(parts) };
  }
  const staged = await ctx.blobs.stage(ctx.db, message.open(), ctx.now());
  return { kind: "staged", blobId: staged.id };
}

/** The outgoing job for the remote recipients, on the caller's transaction: its bytes inline, or its staged blob claimed. */
async function insertOutgoingJob(
  ctx: StoreContext,
  trx: Executor,
  queue: NonNullable<DeliverManyOptions["queue"]>,
  bytes: QueuedBytes,
): Promise<Job> {
  const options = {
    ...(queue.runAt !== undefined ? { runAt: queue.runAt } : {}),
    ...(queue.maxAttempts !== undefined ? { maxAttempts: queue.maxAttempts } : {}),
  };
  const { raw: _given, ...envelope } = queue.message;
  const now = ctx.now();
  if (bytes.kind === "inline")
    return insertJob(trx, now, OUTGOING_JOB_KIND, encodeOutgoing({ ...envelope, raw: bytes.raw }), options);
  await ctx.blobs.claim(trx, [bytes.blobId]);
  return insertJob(trx, now, OUTGOING_JOB_KIND, encodeOutgoingEnvelope(envelope), {
    ...options,
    blobId: bytes.blobId,
  });
}

/**
 * Delivery of one message to several local recipients (the SMTP listener's DATA):
 * each account's rules run and Store Encrypted copies are encrypted BEFORE the transaction,
 * then every copy of every recipient — and the outgoing job, if any — is written in ONE
 * transaction. So the listener's 250 after this returns means all of it is on disk, and a
 * crash before the commit leaves nothing for the client's retry to duplicate.
 * An account listed twice is delivered once.
 */
export function deliverManyUseCase(ctx: StoreContext, encryptForAccount: EncryptForAccount | undefined) {
  return async function deliverMany(
    accounts: ReadonlyArray<Pick<Account, "id">>,
    raw: Uint8Array | MessageSource,
    options: DeliverManyOptions = {},
  ): Promise<DeliverManyResult> {
    if (accounts.length === 0 && !options.queue && !options.alsoWrite)
      throw new StoreError("invalid-argument", "deliverMany needs a recipient or an outgoing message");
    // Parsed (and checked) once, also for a message that is only queued.
    const message = incomingMessage(raw);
    const ids = [...new Set(accounts.map((a) => a.id))];
    const prepared: PreparedDelivery[] = [];
    let outgoing: QueuedBytes | undefined;
    let stored: Awaited<ReturnType<typeof writeDelivery>>[];
    let queued: Job | null;
    // One allowance for every recipient's small copies: past it they are staged too.
    const allowance = new CopyAllowance(options.copiesInMemoryBytes);
    try {
      for (const id of ids)
        prepared.push(await prepareDelivery(ctx, { id }, message, options, encryptForAccount, allowance));
      if (options.queue) outgoing = await queuedBytes(ctx, options.queue.message.raw, message);
      ({ stored, queued } = await ctx.commits.run(async (trx) => {
        const copies = [];
        for (const p of prepared) copies.push(await writeDelivery(ctx, trx, p, options.receivedAt));
        const job =
          options.queue && outgoing ? await insertOutgoingJob(ctx, trx, options.queue, outgoing) : null;
        await options.alsoWrite?.(trx);
        return { stored: copies, queued: job };
      }));
    } catch (error) {
      // A failure anywhere before the commit: the staged copies of every recipient go.
      await discardCopies(
        ctx,
        prepared.flatMap((p) => p.copies.map((c) => c.content)),
      );
      if (outgoing?.kind === "staged")
        await ctx.blobs.discardStaged(ctx.db, [outgoing.blobId]).catch((discard: unknown) => {
          ctx.logger.warn({ error: String(discard) }, "staged outgoing blob not discarded");
        });
      throw error;
    }
    const logger = options.logger ?? ctx.logger;
    return {
      deliveries: prepared.map((p, i) => ({
        accountId: p.account.id,
        address: p.account.address,
        result: deliveryResult(logger, p, stored[i] ?? []),
      })),
      queued,
    };
  };
}

export type DeliverMany = ReturnType<typeof deliverManyUseCase>;
