import { type Account, type OutgoingEnvelope, type Store, StoreError } from "@sealbox/store";
import { buildDsn, type FailedRecipient } from "./build-dsn.js";

export type BounceResult =
  | { sent: "local"; accountId: string }
  | { sent: "remote"; jobId: string }
  | { sent: "none"; why: string };

/**
 * Reports failed recipients to the envelope sender (RFC 5321 §6.1, RFC 3464). A local sender
 * (the submitting account, or an account with that address) gets it in their mailboxes
 * through the rules; a remote one through the queue with the null reverse-path. A bounce is
 * never bounced (its sender is "" and it is marked isBounce), which ends any loop.
 */
export async function sendBounce(
  store: Store,
  message: OutgoingEnvelope,
  /** The original message's first bytes: its header section goes back in the report. */
  original: Uint8Array,
  failed: FailedRecipient[],
  context: { reportingMta: string; arrivalDate: number; now: number },
): Promise<BounceResult> {
  if (failed.length === 0) return { sent: "none", why: "nothing failed" };
  if (message.isBounce || message.envelopeFrom === "") return { sent: "none", why: "never bounce a bounce" };
  const dsn = buildDsn({
    reportingMta: context.reportingMta,
    to: message.envelopeFrom,
    arrivalDate: context.arrivalDate,
    at: context.now,
    failed,
    original,
  });
  const local =
    (message.accountId ? await orNone(store.accounts.byId(message.accountId)) : undefined) ??
    (await orNone(store.accounts.get(message.envelopeFrom)));
  if (local && !local.disabled) {
    await store.deliverMany([local], dsn);
    return { sent: "local", accountId: local.id };
  }
  const job = await store.queueOutgoing({
    envelopeFrom: "",
    recipients: [message.envelopeFrom],
    raw: dsn,
    isBounce: true,
  });
  return { sent: "remote", jobId: job.id };
}

/** An unknown account or an address that is not one is "not local"; anything else (the database) is thrown. */
async function orNone(lookup: Promise<Account | undefined>): Promise<Account | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof StoreError && (error.code === "not-found" || error.code === "invalid-argument"))
      return undefined;
    throw error;
  }
}
