import type { Selectable } from "kysely";
import { type Executor, fromFlag, type StoreContext, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";
import type { BulkKind, BulkRunsTable, BulkState } from "../schema.js";

export interface BulkRun {
  id: string;
  accountId: string;
  mailboxId: string;
  kind: BulkKind;
  /**
   * running; cancelled (Cancel, after the message in hand); done (every selected message
   * was tried); stopped (the key locked, the store failed, or the process running it died).
   */
  state: BulkState;
  cancelRequested: boolean;
  /** Messages selected at the start (those still in the other state). */
  total: number;
  /** Changed. */
  done: number;
  /** Already in the wanted state, or gone, when their turn came. */
  skipped: number;
  /** Could not be changed (e.g. no key opens it); left as they were. */
  failed: number;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** How often a runner says it is alive, even while one large message takes long. */
export const HEARTBEAT_MS = 10_000;
/** A running row without a heartbeat for this long lost its process (crash, restart). */
export const STALE_AFTER_MS = 30_000;

export const INTERRUPTED =
  "the run was interrupted (the server stopped or restarted); start it again to finish";

/** The row as callers see it: a `running` row whose process died reads as stopped. */
export function toRun(row: Selectable<BulkRunsTable>, now: number): BulkRun {
  const stale = row.state === "running" && now - row.updated_at > STALE_AFTER_MS;
  return {
    id: row.id,
    accountId: row.account_id,
    mailboxId: row.mailbox_id,
    kind: row.kind,
    state: stale ? "stopped" : row.state,
    cancelRequested: fromFlag(row.cancel_requested),
    total: row.total,
    done: row.done,
    skipped: row.skipped,
    failed: row.failed,
    error: stale ? INTERRUPTED : row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

export async function ownedRun(q: Executor, accountId: string, runId: string) {
  const row = await q
    .selectFrom("bulk_runs")
    .selectAll()
    .where("id", "=", runId)
    .where("account_id", "=", accountId)
    .executeTakeFirst();
  if (!row) throw new StoreError("not-found", `no bulk run ${runId}`);
  return row;
}

/** The newest run over a mailbox of the account. */
export async function latestRun(q: Executor, accountId: string, mailboxId: string) {
  return q
    .selectFrom("bulk_runs")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("mailbox_id", "=", mailboxId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** Asks a running run to stop after the message in hand (its runner polls for it). */
export async function requestCancel(q: Executor, runId: string): Promise<void> {
  await q
    .updateTable("bulk_runs")
    .set({ cancel_requested: 1 })
    .where("id", "=", runId)
    .where("state", "=", "running")
    .execute();
}

/**
 * A new running row, in one transaction with settling a dead predecessor: the partial
 * unique index admits one running row per account and mailbox, so of two simultaneous
 * starts (any processes) exactly one wins.
 */
export async function insertRun(
  ctx: StoreContext,
  run: { accountId: string; mailboxId: string; kind: BulkKind; total: number },
): Promise<BulkRun> {
  const now = ctx.now();
  const row = {
    id: newId(now),
    account_id: run.accountId,
    mailbox_id: run.mailboxId,
    kind: run.kind,
    state: "running" as const,
    cancel_requested: 0 as const,
    total: run.total,
    done: 0,
    skipped: 0,
    failed: 0,
    error: null,
    created_at: now,
    updated_at: now,
    finished_at: null,
  };
  try {
    await write(ctx, async (trx) => {
      await trx
        .updateTable("bulk_runs")
        .set({ state: "stopped", error: INTERRUPTED, finished_at: now })
        .where("account_id", "=", run.accountId)
        .where("mailbox_id", "=", run.mailboxId)
        .where("state", "=", "running")
        .where("updated_at", "<", now - STALE_AFTER_MS)
        .execute();
      await trx.insertInto("bulk_runs").values(row).execute();
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new StoreError(
        "conflict",
        "a bulk run is already going on in this folder; wait for it or cancel it",
        {
          cause: error,
        },
      );
    throw error;
  }
  return toRun(row, now);
}

/** The counts after one message; returns whether Cancel was asked for (undefined: the row is gone). */
export async function recordProgress(
  ctx: StoreContext,
  runId: string,
  counts: { done: number; skipped: number; failed: number },
): Promise<boolean | undefined> {
  const row = await write(ctx, (trx) =>
    trx
      .updateTable("bulk_runs")
      .set({ ...counts, updated_at: ctx.now() })
      .where("id", "=", runId)
      .where("state", "=", "running")
      .returning("cancel_requested")
      .executeTakeFirst(),
  );
  return row ? fromFlag(row.cancel_requested) : undefined;
}

export async function heartbeat(ctx: StoreContext, runId: string): Promise<void> {
  await write(ctx, (trx) =>
    trx
      .updateTable("bulk_runs")
      .set({ updated_at: ctx.now() })
      .where("id", "=", runId)
      .where("state", "=", "running")
      .execute(),
  );
}

export async function cancelRequested(ctx: StoreContext, runId: string): Promise<boolean | undefined> {
  const row = await ctx.db
    .selectFrom("bulk_runs")
    .select(["cancel_requested", "state"])
    .where("id", "=", runId)
    .executeTakeFirst();
  if (row?.state !== "running") return undefined;
  return fromFlag(row.cancel_requested);
}

export async function finishRun(
  ctx: StoreContext,
  runId: string,
  end: { state: Exclude<BulkState, "running">; error: string | null },
): Promise<void> {
  const now = ctx.now();
  await write(ctx, (trx) =>
    trx
      .updateTable("bulk_runs")
      .set({ state: end.state, error: end.error, updated_at: now, finished_at: now })
      .where("id", "=", runId)
      .where("state", "=", "running")
      .execute(),
  );
}
