import { type Job, OUTGOING_JOB_KIND, type QueuedOutgoing, type Store, StoreError } from "@sealbox/store";
import { errorFields, type Logger } from "../log.js";
import { type FailedRecipient, MAX_RETURNED_HEADER_BYTES, statusOf } from "./build-dsn.js";
import type { RecipientFailure, RelayTransport, SendOutcome } from "./relay-transport.js";
import { sendBounce } from "./send-bounce.js";

export interface RelayConsumerOptions {
  store: Store;
  log: Logger;
  transport: RelayTransport;
  /** Lease holder name (unique per process). */
  workerId: string;
  /** Jobs in flight at once in this process. */
  concurrency: number;
  /** Lease per claim; extended every third of it while a send runs. */
  leaseMs: number;
  /** Sleep when the queue is empty. */
  pollMs: number;
  /** Our name, for bounces (Reporting-MTA). */
  reportingMta: string;
  /** Delay before the next attempt after `attempts` failed ones. */
  retryDelay: (attempts: number) => number;
  now?: () => number;
}

export interface RelayConsumers {
  inFlight(): number;
  /** Stops claiming; waits up to `graceMs` for sends in hand, then puts the rest back in the queue. */
  stop(graceMs: number): Promise<void>;
}

interface InHand {
  job: Job;
  done: Promise<void>;
  abandoned: boolean;
}

/** A payload no retry can read: bad bytes, bad JSON, or a blob that is gone. */
const unreadable = (error: unknown) =>
  error instanceof SyntaxError ||
  (error instanceof StoreError && (error.code === "invalid-argument" || error.code === "not-found"));

const failureLine = (f: RecipientFailure): FailedRecipient => ({
  recipient: f.recipient,
  status: statusOf(f.response, f.permanent),
  diagnostic: f.response,
});

/**
 * The outgoing queue consumer: `concurrency` loops claim OUTGOING_JOB_KIND
 * jobs (SKIP LOCKED on PostgreSQL, so any number of workers share one queue), hand each to the
 * relay, and settle it: delivered → complete (the store purges the payload); temporary failure
 * → back to the queue with back-off; permanent failure or attempts used up → dead, and a DSN
 * to the sender. Bounces are sent before the job is settled, so a crash in between can repeat
 * a bounce but never lose one. A job is completed only by the lease holder, so a worker that
 * lost its lease (it stalled, another took over) cannot complete it a second time.
 */
export function startRelayConsumers(options: RelayConsumerOptions): RelayConsumers {
  const { store, log, transport, workerId, leaseMs } = options;
  const now = options.now ?? Date.now;
  const inHand = new Set<InHand>();
  const sleepers = new Set<() => void>();
  let stopping = false;
  let lastRelease = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  /** Dead now (a 5xx, a bad payload): no retry can help. */
  const kill = (job: Job, reason: string) => store.jobs.fail(job, reason, { permanent: true });
  /** Back to the queue, due now, attempt returned: a stop, not a failure of the message. */
  const release = (job: Job) => store.jobs.release(job);

  async function bounce(job: Job, message: QueuedOutgoing, failed: FailedRecipient[]): Promise<void> {
    const original = await message.start(MAX_RETURNED_HEADER_BYTES);
    const result = await sendBounce(store, message, original, failed, {
      reportingMta: options.reportingMta,
      arrivalDate: job.createdAt,
      now: now(),
    });
    log.info({ job: job.id, recipients: failed.length, bounce: result.sent }, "relay bounce");
  }

  async function settle(job: Job, message: QueuedOutgoing, outcome: SendOutcome): Promise<void> {
    const exhausted = job.attempts >= job.maxAttempts;
    const fields = { job: job.id, attempt: job.attempts, recipients: message.recipients.length };
    const retryAt = () => now() + options.retryDelay(job.attempts);
    if (outcome.kind === "failed") {
      if (!outcome.permanent && !exhausted) {
        await store.jobs.fail(job, outcome.response, { retryAt: retryAt() });
        log.warn({ ...fields, response: outcome.response }, "relay deferred");
        return;
      }
      const diagnostic = outcome.permanent
        ? outcome.response
        : `gave up after ${job.attempts} attempts: ${outcome.response}`;
      const status = statusOf(outcome.response, outcome.permanent);
      await bounce(
        job,
        message,
        message.recipients.map((r) => ({ recipient: r, status, diagnostic })),
      );
      await kill(job, outcome.response);
      log.warn({ ...fields, response: outcome.response }, "relay failed");
      return;
    }
    const permanent = outcome.failed.filter((f) => f.permanent);
    const temporary = outcome.failed.filter((f) => !f.permanent);
    if (outcome.accepted.length === 0 && permanent.length === 0 && temporary.length > 0 && !exhausted) {
      // Every recipient deferred: the same job comes round again.
      await store.jobs.fail(job, temporary[0]?.response ?? "deferred", { retryAt: retryAt() });
      log.warn({ ...fields, response: temporary[0]?.response }, "relay deferred");
      return;
    }
    const giveUp = exhausted ? temporary : [];
    if (permanent.length + giveUp.length > 0)
      await bounce(job, message, [
        ...permanent.map(failureLine),
        ...giveUp.map((f) => ({
          ...failureLine(f),
          diagnostic: `gave up after ${job.attempts} attempts: ${f.response}`,
        })),
      ]);
    if (outcome.accepted.length === 0 && (temporary.length === 0 || exhausted)) {
      // Nobody took it and nobody will: the job is dead (kept for an operator), the sender told.
      await kill(job, outcome.failed[0]?.response ?? "every recipient refused");
      log.warn({ ...fields, rejected: outcome.failed.length }, "relay failed");
      return;
    }
    if (temporary.length > 0 && !exhausted) {
      // Some recipients took it, some deferred: only those go round again, as a new job
      // with the attempts that are left (and its own copy of a large message's blob).
      await store.outgoing.requeue(
        job,
        temporary.map((f) => f.recipient),
        { runAt: retryAt(), maxAttempts: Math.max(1, job.maxAttempts - job.attempts) },
      );
    }
    const completed = await store.jobs.complete(job);
    log.info(
      {
        ...fields,
        accepted: outcome.accepted.length,
        rejected: permanent.length,
        deferred: temporary.length,
        completed,
      },
      completed ? "relay delivered" : "relay delivered, but the lease was lost",
    );
  }

  async function run(job: Job, entry: InHand): Promise<void> {
    const heartbeat = setInterval(
      () => {
        store.jobs.extend(job, leaseMs).then(
          (held) => held || log.warn({ job: job.id }, "relay lease lost"),
          (error: unknown) => log.warn({ job: job.id, ...errorFields(error) }, "relay lease extend failed"),
        );
      },
      Math.max(200, Math.floor(leaseMs / 3)),
    );
    try {
      let message: QueuedOutgoing;
      try {
        message = await store.outgoing.open(job);
      } catch (error) {
        // The database being away is not the job's fault: the lease runs out, it comes round again.
        if (!unreadable(error)) throw error;
        await kill(job, `malformed payload: ${errorFields(error).error}`);
        log.error({ job: job.id }, "relay job has a malformed payload");
        return;
      }
      // A large message is read from its blob chunk by chunk while it is sent, never whole.
      const outcome = await transport.send(
        { from: message.envelopeFrom, to: message.recipients },
        message.content(),
      );
      clearInterval(heartbeat);
      if (entry.abandoned) return; // stop() gave it back to the queue already
      await settle(job, message, outcome);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      try {
        if (now() - lastRelease > leaseMs / 4) {
          lastRelease = now();
          const released = await store.jobs.releaseExpired();
          if (released.requeued + released.dead > 0) log.info(released, "relay leases expired");
        }
        const job = await store.jobs.claim(workerId, leaseMs, [OUTGOING_JOB_KIND]);
        if (!job) {
          await sleep(options.pollMs);
          continue;
        }
        if (stopping) {
          await release(job);
          break;
        }
        const entry: InHand = { job, abandoned: false, done: Promise.resolve() };
        entry.done = run(job, entry).catch((error: unknown) =>
          // The lease runs out and another attempt follows: nothing is lost.
          log.error({ job: job.id, ...errorFields(error) }, "relay job failed"),
        );
        inHand.add(entry);
        await entry.done;
        inHand.delete(entry);
      } catch (error) {
        log.error(errorFields(error), "relay queue unavailable");
        await sleep(options.pollMs);
      }
    }
  }

  const loops = Array.from({ length: options.concurrency }, () => loop());

  return {
    inFlight: () => inHand.size,
    async stop(graceMs) {
      stopping = true;
      for (const wake of [...sleepers]) wake();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
      });
      await Promise.race([Promise.all(loops), deadline]);
      clearTimeout(timer);
      for (const entry of inHand) {
        entry.abandoned = true;
        await release(entry.job).then(
          (r) => log.info({ job: entry.job.id, released: r }, "relay job released"),
          (error: unknown) => log.error({ job: entry.job.id, ...errorFields(error) }, "relay release failed"),
        );
      }
      transport.close();
    },
  };
}
