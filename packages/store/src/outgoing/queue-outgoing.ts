import type { StoreContext } from "../context.js";
import { type Job, jobQueue } from "../jobs/jobs.js";
import { encodeOutgoing, OUTGOING_JOB_KIND, type OutgoingMessage } from "./outgoing-message.js";

/** Puts a message on the durable outgoing queue for the worker's relay consumer. */
export function queueOutgoingUseCase(ctx: StoreContext) {
  const jobs = jobQueue(ctx);
  return (message: OutgoingMessage, options: { runAt?: number; maxAttempts?: number } = {}): Promise<Job> =>
    jobs.enqueue(OUTGOING_JOB_KIND, encodeOutgoing(message), options);
}
