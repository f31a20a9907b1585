import type { BulkRun } from "@sealbox/store";
import { z } from "zod";
import { router, smimeProcedure } from "../trpc";

const id = z.string().min(1).max(100);

/** A run as the folder's progress bar shows it (no message contents, no keys). */
export const ZBulkRun = z.object({
  id: z.string(),
  mailboxId: z.string(),
  kind: z.enum(["encrypt", "decrypt", "re-encrypt"]),
  state: z.enum(["running", "cancelled", "done", "stopped"]),
  cancelRequested: z.boolean(),
  total: z.number(),
  done: z.number(),
  skipped: z.number(),
  failed: z.number(),
  error: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});

const pick = (run: BulkRun): z.infer<typeof ZBulkRun> => ({
  id: run.id,
  mailboxId: run.mailboxId,
  kind: run.kind,
  state: run.state,
  cancelRequested: run.cancelRequested,
  total: run.total,
  done: run.done,
  skipped: run.skipped,
  failed: run.failed,
  error: run.error,
  createdAt: run.createdAt,
  finishedAt: run.finishedAt,
});

/**
 * Encrypt All / Decrypt All / re-encrypt over a folder: the run works in the background of
 * the web process that started it, with this session's unlock (a lock stops it cleanly);
 * its row in the store is its state, so any web process answers the progress and Cancel.
 */
export const bulkRouter = router({
  start: smimeProcedure
    .input(z.object({ mailboxId: id, kind: z.enum(["encrypt", "decrypt", "re-encrypt"]) }))
    .output(ZBulkRun)
    .mutation(async ({ ctx, input }) => {
      const { run } = await ctx.store.bulk.start(ctx.session.account.id, input.mailboxId, input.kind, {
        sessionToken: ctx.sessionToken,
      });
      // Not awaited: `finished` never rejects; the store records how the run ends.
      return pick(run);
    }),

  run: smimeProcedure
    .input(z.object({ runId: id }))
    .output(ZBulkRun)
    .query(async ({ ctx, input }) => pick(await ctx.store.bulk.get(ctx.session.account.id, input.runId))),

  /** The newest run over a folder (running or finished), or null. */
  latest: smimeProcedure
    .input(z.object({ mailboxId: id }))
    .output(ZBulkRun.nullable())
    .query(async ({ ctx, input }) => {
      const run = await ctx.store.bulk.latest(ctx.session.account.id, input.mailboxId);
      return run ? pick(run) : null;
    }),

  /** Cancel: the run stops after the message in hand. */
  cancel: smimeProcedure
    .input(z.object({ runId: id }))
    .output(ZBulkRun)
    .mutation(async ({ ctx, input }) =>
      pick(await ctx.store.bulk.cancel(ctx.session.account.id, input.runId)),
    ),
});
