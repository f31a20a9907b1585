import { CompiledQuery, type Selectable, sql } from "kysely";
import { type Executor, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";
import { forgetOldPages } from "../mail/forget-old-pages.js";
import { copyJobPayloadSql } from "../pg-copy-binary.js";
import type { JobState, JobsTable } from "../schema.js";
import { type BackoffPolicy, DEFAULT_BACKOFF, retryDelay } from "./backoff.js";

export interface Job {
  id: string;
  kind: string;
  payload: Uint8Array | null;
  /** A message blob the job owns (bytes too large for the payload); deleted with the payload on completion. */
  blobId: string | null;
  state: JobState;
  /** Attempts started so far (a claim counts as one). */
  attempts: number;
  maxAttempts: number;
  runAt: number;
  leaseUntil: number | null;
  leasedBy: string | null;
  lastError: string | null;
  createdAt: number;
  completedAt: number | null;
}

export interface QueueStats {
  /** Queued and waiting (due or not). */
  queued: number;
  /** Queued and due now. */
  due: number;
  inFlight: number;
  /** Queued again after at least one failed attempt. */
  retrying: number;
  dead: number;
  /** Completions per minute, oldest first, for the last `minutes` minutes (minute = its start, epoch ms). */
  completedPerMinute: Array<{ minute: number; count: number }>;
}

export interface JobQueueOptions {
  backoff?: BackoffPolicy;
  random?: () => number;
}

export const DEFAULT_MAX_ATTEMPTS = 10;
const MAX_ERROR_LENGTH = 2000;

/**
 * Inserts a queued job on the caller's executor — the database or an open transaction, so a
 * use-case can queue work atomically with its other writes (deliverMany does).
 */
export async function insertJob(
  q: Executor,
  now: number,
  kind: string,
  payload: Uint8Array | null,
  opts: { runAt?: number; maxAttempts?: number; blobId?: string } = {},
): Promise<Job> {
  if (kind.trim() === "") throw new StoreError("invalid-argument", "a job needs a kind");
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new StoreError("invalid-argument", "maxAttempts must be a whole number ≥ 1");
  const row = {
    id: newId(now),
    kind,
    payload,
    blob_id: opts.blobId ?? null,
    state: "queued",
    attempts: 0,
    max_attempts: maxAttempts,
    run_at: opts.runAt ?? now,
    lease_until: null,
    leased_by: null,
    last_error: null,
    created_at: now,
    completed_at: null,
  } as const;
  await q.insertInto("jobs").values(row).execute();
  return toJob(row);
}

/** Every column but the payload: on PostgreSQL a payload (a whole small message) is read apart. */
const COLUMNS_BUT_PAYLOAD = [
  "id",
  "kind",
  "blob_id",
  "state",
  "attempts",
  "max_attempts",
  "run_at",
  "lease_until",
  "leased_by",
  "last_error",
  "created_at",
  "completed_at",
] as const;

/**
 * A job row read without its payload, completed with the payload by a binary COPY: node-postgres
 * would bring a bytea beside the row as hex text (pg-copy-binary.ts). An id that cannot go into
 * the COPY's text is read the usual way.
 */
async function withPayload(
  q: Executor,
  row: Omit<Selectable<JobsTable>, "payload">,
): Promise<Selectable<JobsTable>> {
  const copy = copyJobPayloadSql(row.id);
  if (!copy) {
    const found = await q.selectFrom("jobs").select("payload").where("id", "=", row.id).executeTakeFirst();
    return { ...row, payload: found?.payload ?? null };
  }
  const result = await q.executeQuery<{ data: Uint8Array | null }>(CompiledQuery.raw(copy));
  return { ...row, payload: result.rows[0]?.data ?? null };
}

const toJob = (row: Selectable<JobsTable>): Job => ({
  id: row.id,
  kind: row.kind,
  payload: row.payload,
  blobId: row.blob_id,
  state: row.state,
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
  runAt: row.run_at,
  leaseUntil: row.lease_until,
  leasedBy: row.leased_by,
  lastError: row.last_error,
  createdAt: row.created_at,
  completedAt: row.completed_at,
});

/**
 * The durable job queue. A claim leases one due job to one worker:
 * on PostgreSQL with SELECT … FOR UPDATE SKIP LOCKED, so concurrent workers pass over
 * each other's rows instead of queueing behind them; on SQLite inside a BEGIN IMMEDIATE
 * transaction, which serialises claimers. Completion and failure only count for the
 * lease holder (same worker, same attempt), so a worker whose lease ran out and was
 * re-claimed cannot complete the job twice.
 */
export function jobQueue(ctx: StoreContext, options: JobQueueOptions = {}) {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  const holder = (
    q: ReturnType<typeof ctx.db.updateTable<"jobs">>,
    job: Pick<Job, "id" | "leasedBy" | "attempts">,
  ) =>
    q
      .where("id", "=", job.id)
      .where("state", "=", "leased")
      .where("leased_by", "=", job.leasedBy ?? "")
      .where("attempts", "=", job.attempts);

  return {
    enqueue: (
      kind: string,
      payload: Uint8Array | null,
      opts: { runAt?: number; maxAttempts?: number } = {},
    ): Promise<Job> => write(ctx, (trx) => insertJob(trx, ctx.now(), kind, payload, opts)),

    /** Leases the oldest due job of the given kinds (any kind when omitted) for `leaseMs`, or returns null. */
    async claim(workerId: string, leaseMs: number, kinds?: readonly string[]): Promise<Job | null> {
      if (workerId === "") throw new StoreError("invalid-argument", "a worker needs an id");
      if (kinds && kinds.length === 0) return null;
      return write(ctx, async (trx) => {
        const now = ctx.now();
        let pick = trx
          .selectFrom("jobs")
          .select("id")
          .where("state", "=", "queued")
          .where("run_at", "<=", now)
          .orderBy("run_at")
          .orderBy("id")
          .limit(1);
        if (kinds) pick = pick.where("kind", "in", kinds);
        if (ctx.engine === "postgres") pick = pick.forUpdate().skipLocked();
        const picked = await pick.executeTakeFirst();
        if (!picked) return null;
        const lease = trx
          .updateTable("jobs")
          .set((eb) => ({
            state: "leased",
            attempts: eb("attempts", "+", 1),
            lease_until: now + leaseMs,
            leased_by: workerId,
          }))
          .where("id", "=", picked.id)
          .where("state", "=", "queued");
        if (ctx.engine === "postgres") {
          const row = await lease.returning(COLUMNS_BUT_PAYLOAD).executeTakeFirst();
          return row ? toJob(await withPayload(trx, row)) : null;
        }
        const row = await lease.returningAll().executeTakeFirst();
        return row ? toJob(row) : null;
      });
    },

    /** Extends a lease the worker still holds (a heartbeat for long jobs). */
    async extend(job: Job, leaseMs: number): Promise<boolean> {
      const result = await write(ctx, (trx) =>
        holder(trx.updateTable("jobs"), job)
          .set({ lease_until: ctx.now() + leaseMs })
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * Marks the job done and purges its payload and its blob, in one transaction. False when the
     * lease was lost (another worker has it now).
     */
    async complete(job: Job): Promise<boolean> {
      const result = await write(ctx, async (trx) => {
        const done = await holder(trx.updateTable("jobs"), job)
          .set({ state: "done", payload: null, blob_id: null, completed_at: ctx.now(), lease_until: null })
          .executeTakeFirst();
        // The row's blob never changes, so the job in hand names it.
        if (Number(done.numUpdatedRows) === 1 && job.blobId) await ctx.blobs.delete(trx, [job.blobId]);
        return done;
      });
      // The payload is a whole message: it must not stay readable in the WAL (SQLite).
      if (Number(result.numUpdatedRows) === 1) await forgetOldPages(ctx);
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * Records a failed attempt: back to the queue after an exponential, jittered delay (or
     * at `retryAt`), or, once maxAttempts are used up, dead — payload and last error kept
     * for an operator. Returns the new state, or null when the lease was lost.
     */
    async fail(
      job: Job,
      error: string,
      opts: { retryAt?: number; permanent?: boolean } = {},
    ): Promise<{ state: JobState; runAt: number } | null> {
      const now = ctx.now();
      // permanent: no retry can help (a 5xx, an unreadable payload): dead at once.
      const dead = opts.permanent === true || job.attempts >= job.maxAttempts;
      const runAt = dead ? job.runAt : (opts.retryAt ?? now + retryDelay(job.attempts, random, backoff));
      const state: JobState = dead ? "dead" : "queued";
      const result = await write(ctx, (trx) =>
        holder(trx.updateTable("jobs"), job)
          .set({
            state,
            run_at: runAt,
            lease_until: null,
            leased_by: null,
            last_error: error.slice(0, MAX_ERROR_LENGTH),
            completed_at: dead ? now : null,
          })
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) === 1 ? { state, runAt } : null;
    },

    /**
     * Gives a leased job back unharmed (the worker is stopping): queued, due now, and the
     * attempt it used is returned — a stop is not a failure of the job.
     */
    async release(job: Job): Promise<boolean> {
      const result = await write(ctx, (trx) =>
        holder(trx.updateTable("jobs"), job)
          .set({
            state: "queued",
            run_at: ctx.now(),
            lease_until: null,
            leased_by: null,
            attempts: Math.max(0, job.attempts - 1),
          })
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) === 1;
    },

    /** Puts jobs whose lease ran out (a worker died) back in the queue, or to dead when out of attempts. */
    async releaseExpired(): Promise<{ requeued: number; dead: number }> {
      return write(ctx, async (trx) => {
        const now = ctx.now();
        const expired = (q: ReturnType<typeof trx.updateTable<"jobs">>) =>
          q.where("state", "=", "leased").where("lease_until", "<", now);
        const dead = await expired(trx.updateTable("jobs"))
          .where((eb) => eb("attempts", ">=", eb.ref("max_attempts")))
          .set({
            state: "dead",
            lease_until: null,
            leased_by: null,
            last_error: "lease expired",
            completed_at: now,
          })
          .executeTakeFirst();
        const requeued = await expired(trx.updateTable("jobs"))
          .set({
            state: "queued",
            lease_until: null,
            leased_by: null,
            last_error: "lease expired",
            run_at: now,
          })
          .executeTakeFirst();
        return { requeued: Number(requeued.numUpdatedRows), dead: Number(dead.numUpdatedRows) };
      });
    },

    /** Sends a dead job round again with a fresh set of attempts. */
    async retryDead(id: string): Promise<boolean> {
      const result = await write(ctx, (trx) =>
        trx
          .updateTable("jobs")
          .set({ state: "queued", attempts: 0, run_at: ctx.now(), completed_at: null })
          .where("id", "=", id)
          .where("state", "=", "dead")
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) === 1;
    },

    get: async (id: string): Promise<Job | undefined> => {
      if (ctx.engine === "postgres")
        // One snapshot for the row and its payload (a job completed in between is seen whole).
        return ctx.db
          .transaction()
          .setIsolationLevel("repeatable read")
          .execute(async (trx) => {
            const row = await trx
              .selectFrom("jobs")
              .select(COLUMNS_BUT_PAYLOAD)
              .where("id", "=", id)
              .executeTakeFirst();
            return row ? toJob(await withPayload(trx, row)) : undefined;
          });
      const row = await ctx.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? toJob(row) : undefined;
    },

    /** Deletes done jobs completed before `before` (their payloads are already gone). */
    async purgeCompleted(before: number): Promise<number> {
      const result = await write(ctx, (trx) =>
        trx
          .deleteFrom("jobs")
          .where("state", "=", "done")
          .where("completed_at", "<", before)
          .executeTakeFirst(),
      );
      return Number(result.numDeletedRows);
    },

    async stats(minutes = 15): Promise<QueueStats> {
      const now = ctx.now();
      const counts = await ctx.db
        .selectFrom("jobs")
        .select((eb) => [
          "state",
          eb.fn.countAll<number>().as("n"),
          eb.fn.sum<number>(eb.case().when("run_at", "<=", now).then(1).else(0).end()).as("due"),
          eb.fn.sum<number>(eb.case().when("attempts", ">", 0).then(1).else(0).end()).as("retried"),
        ])
        .where("state", "in", ["queued", "leased", "dead"])
        .groupBy("state")
        .execute();
      const of = (state: JobState) => counts.find((c) => c.state === state);
      const since = Math.floor(now / 60_000 - minutes + 1) * 60_000;
      const minuteExpr = sql<number>`${sql.ref("completed_at")} / 60000`;
      const done = await ctx.db
        .selectFrom("jobs")
        .select([minuteExpr.as("minute"), (eb) => eb.fn.countAll<number>().as("n")])
        .where("state", "=", "done")
        .where("completed_at", ">=", since)
        .groupBy(minuteExpr)
        .execute();
      const perMinute = new Map(done.map((d) => [Number(d.minute) * 60_000, Number(d.n)]));
      return {
        queued: Number(of("queued")?.n ?? 0),
        due: Number(of("queued")?.due ?? 0),
        inFlight: Number(of("leased")?.n ?? 0),
        retrying: Number(of("queued")?.retried ?? 0),
        dead: Number(of("dead")?.n ?? 0),
        completedPerMinute: Array.from({ length: minutes }, (_, i) => {
          const minute = since + i * 60_000;
          return { minute, count: perMinute.get(minute) ?? 0 };
        }),
      };
    },
  };
}

export type JobQueue = ReturnType<typeof jobQueue>;
