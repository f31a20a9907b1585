import type { Account } from "../accounts/accounts.js";
import type { Executor, StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { insertJob, type Job } from "../jobs/jobs.js";
import { requireHeader } from "../mail/header-reader.js";
import { encodeOutgoing, OUTGOING_JOB_KIND, type OutgoingMessage } from "../outgoing/outgoing-message.js";
import {
  type DeliverOptions,
  type DeliveryResult,
  deliveryResult,
  type PreparedDelivery,
  prepareDelivery,
  writeDelivery,
} from "./deliver.js";

export interface DeliverManyOptions extends DeliverOptions {
  /** More writes that must commit with the copies (send's Sent copy), on the same transaction. */
  alsoWrite?: (trx: Executor) => Promise<void>;
  /**
   * An outgoing message (the remote recipients of an authenticated submission) queued in
   * the SAME transaction as the local copies: the submission is durable as a whole or not
   * at all, so a client that retries after a failure never gets a duplicate local copy
   * beside a lost remote one.
   */
  queue?: { message: OutgoingMessage; runAt?: number; maxAttempts?: number };
}

export interface DeliverManyResult {
  /** One per account, in the order given. */
  deliveries: Array<{ accountId: string; address: string; result: DeliveryResult }>;
  /** The outgoing job, when `queue` was given. */
  queued: Job | null;
}

/** The outgoing job for the remote recipients, on the caller's transaction. */
function insertOutgoingJob(
  trx: Executor,
  now: number,
  queue: NonNullable<DeliverManyOptions["queue"]>,
): Promise<Job> {
  return insertJob(trx, now, OUTGOING_JOB_KIND, encodeOutgoing(queue.message), {
    ...(queue.runAt !== undefined ? { runAt: queue.runAt } : {}),
    ...(queue.maxAttempts !== undefined ? { maxAttempts: queue.maxAttempts } : {}),
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
export function deliverManyUseCase(ctx: StoreContext) {
  return async function deliverMany(
    accounts: ReadonlyArray<Pick<Account, "id">>,
    raw: Uint8Array,
    options: DeliverManyOptions = {},
  ): Promise<DeliverManyResult> {
    if (accounts.length === 0 && !options.queue && !options.alsoWrite)
      throw new StoreError("invalid-argument", "deliverMany needs a recipient or an outgoing message");
    // Checked here too for a message that is only queued (no local account's rules read it).
    requireHeader(raw);
    const ids = [...new Set(accounts.map((a) => a.id))];
    const prepared: PreparedDelivery[] = [];
    for (const id of ids) prepared.push(await prepareDelivery(ctx, { id }, raw, options));
    const { stored, queued } = await ctx.commits.run(async (trx) => {
      const copies = [];
      for (const p of prepared) copies.push(await writeDelivery(ctx, trx, p, options.receivedAt));
      const job = options.queue ? await insertOutgoingJob(trx, ctx.now(), options.queue) : null;
      await options.alsoWrite?.(trx);
      return { stored: copies, queued: job };
    });
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
