"use client";

import type { inferRouterOutputs } from "@trpc/server";
import { Alert, Button, Notice } from "~/components/ui/controls";
import type { AppRouter } from "~/server/routers/app";

export type BulkRunData = inferRouterOutputs<AppRouter>["bulk"]["run"];

/** How often a running run's progress is asked for (any web process answers). */
export const BULK_POLL_MS = 250;

const WORKING: Record<BulkRunData["kind"], string> = {
  encrypt: "Encrypting",
  decrypt: "Decrypting",
  "re-encrypt": "Re-encrypting",
};

const DONE: Record<BulkRunData["kind"], string> = {
  encrypt: "Encrypted",
  decrypt: "Decrypted",
  "re-encrypt": "Re-encrypted",
};

const SKIPPED: Record<BulkRunData["kind"], string> = {
  encrypt: "skipped (changed or moved meanwhile)",
  decrypt: "skipped (changed or moved meanwhile)",
  "re-encrypt": "already sealed to the current certificate",
};

const NOTHING: Record<BulkRunData["kind"], string> = {
  encrypt: "Every message here is encrypted already.",
  decrypt: "No message here is encrypted.",
  "re-encrypt": "No encrypted messages here.",
};

export const handledOf = (run: Pick<BulkRunData, "done" | "skipped" | "failed">) =>
  run.done + run.skipped + run.failed;

/**
 * A running bulk run: a progress bar (role progressbar, value = messages handled of those
 * selected), "N of M", and Cancel (the run stops after the message in hand).
 */
export function BulkProgressBar({
  run,
  label,
  onCancel,
  cancelling,
}: {
  run: BulkRunData;
  /** What the bar is for, e.g. "Encrypting INBOX". */
  label: string;
  onCancel: () => void;
  cancelling: boolean;
}) {
  const handled = handledOf(run);
  const percent = run.total === 0 ? 100 : Math.round((handled / run.total) * 100);
  const stopping = cancelling || run.cancelRequested;
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex items-center justify-between gap-2 text-sm">
        <span className="min-w-0 truncate font-medium">{label}</span>
        <span className="shrink-0 tabular-nums text-slate-700">
          {handled} of {run.total}
        </span>
      </div>
      <div className="flex items-center gap-2">
        <div
          role="progressbar"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={run.total}
          aria-valuenow={handled}
          aria-valuetext={`${handled} of ${run.total}`}
          className="h-2.5 min-w-0 flex-1 overflow-hidden rounded-full bg-slate-200"
        >
          <div
            className="h-full rounded-full bg-blue-700 transition-[width]"
            style={{ width: `${percent}%` }}
          />
        </div>
        <Button onClick={onCancel} disabled={stopping} className="shrink-0">
          Cancel
        </Button>
      </div>
      {stopping && <p className="text-xs text-slate-600">Stopping after the message in hand…</p>}
    </div>
  );
}

/** How a run ended, in a sentence: a notice, or an alert when it stopped or some failed. */
export function BulkOutcome({ run, again }: { run: BulkRunData; again: string }) {
  const counts = `${DONE[run.kind]} ${run.done} of ${run.total} message${run.total === 1 ? "" : "s"}`;
  const extra = [
    run.skipped ? `${run.skipped} ${SKIPPED[run.kind]}` : "",
    run.failed ? `${run.failed} could not be changed and stayed as they were` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const detail = extra ? ` (${extra})` : "";
  if (run.total === 0 && run.state === "done") return <Notice>{NOTHING[run.kind]}</Notice>;
  if (run.state === "stopped")
    return (
      <Alert>
        Stopped after {handledOf(run)} of {run.total} messages: {run.error ?? "unknown reason"}. Every message
        is either changed or as it was; {again} continues with the rest.
      </Alert>
    );
  if (run.state === "cancelled")
    return (
      <Notice>
        Cancelled. {counts}
        {detail}; the others are as they were. {again} continues with the rest.
      </Notice>
    );
  if (run.failed > 0) return <Alert>{`${counts}${detail}.`}</Alert>;
  return <Notice>{`${counts}${detail}.`}</Notice>;
}

export const workingLabel = (kind: BulkRunData["kind"], folder: string) => `${WORKING[kind]} ${folder}`;
