import { type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { insertJob, type Job } from "../jobs/jobs.js";
import {
  decodeOutgoingPayload,
  encodeOutgoing,
  encodeOutgoingEnvelope,
  OUTGOING_JOB_KIND,
  type OutgoingEnvelope,
} from "./outgoing-message.js";

/** A claimed outgoing job as the relay consumer reads it. */
export interface QueuedOutgoing extends OutgoingEnvelope {
  /** The message's length in bytes. */
  size: number;
  /**
   * The exact bytes: whole when the payload holds them (they are in memory already), else the
   * job's blob one chunk at a time (a 64 MiB message is never whole in the worker).
   */
  content(): Uint8Array | AsyncIterable<Uint8Array>;
  /** The message's first bytes, up to `limit` (a bounce returns the header section). */
  start(limit: number): Promise<Uint8Array>;
}

/** What the relay consumer needs of an outgoing job beyond the generic queue. */
export function outgoingJobs(ctx: StoreContext) {
  return {
    /** The envelope and bytes of an outgoing job; a malformed payload or a missing blob is "invalid-argument" / "not-found". */
    async open(job: Job): Promise<QueuedOutgoing> {
      const { envelope, raw } = decodeOutgoingPayload(job.payload ?? new Uint8Array());
      if (raw) {
        return {
          ...envelope,
          size: raw.byteLength,
          content: () => raw,
          start: async (limit) => raw.subarray(0, limit),
        };
      }
      const blobId = job.blobId;
      if (!blobId) throw new StoreError("invalid-argument", "the outgoing job names no blob for its bytes");
      const size = await ctx.blobs.size(ctx.db, blobId);
      return {
        ...envelope,
        size,
        content: () => ctx.blobs.read(ctx.db, blobId),
        async start(limit) {
          const parts: Buffer[] = [];
          let kept = 0;
          for await (const chunk of ctx.blobs.read(ctx.db, blobId)) {
            const piece = Buffer.from(chunk.subarray(0, limit - kept));
            parts.push(piece);
            kept += piece.length;
            if (kept >= limit) break;
          }
          return Buffer.concat(parts, kept);
        },
      };
    },

    /**
     * The same message queued again for some of its recipients (those a relay deferred while
     * others took it), in one transaction: the bytes inline, or a copy of the blob made inside
     * the database, so the original job's completion removes only its own.
     */
    requeue(
      job: Job,
      recipients: string[],
      options: { runAt?: number; maxAttempts?: number } = {},
    ): Promise<Job> {
      return write(ctx, async (trx) => {
        const { envelope, raw } = decodeOutgoingPayload(job.payload ?? new Uint8Array());
        const now = ctx.now();
        if (raw)
          return insertJob(
            trx,
            now,
            OUTGOING_JOB_KIND,
            encodeOutgoing({ ...envelope, recipients, raw }),
            options,
          );
        if (!job.blobId)
          throw new StoreError("invalid-argument", "the outgoing job names no blob for its bytes");
        const blobId = await ctx.blobs.copy(trx, job.blobId, now);
        return insertJob(trx, now, OUTGOING_JOB_KIND, encodeOutgoingEnvelope({ ...envelope, recipients }), {
          ...options,
          blobId,
        });
      });
    },
  };
}

export type OutgoingJobs = ReturnType<typeof outgoingJobs>;
