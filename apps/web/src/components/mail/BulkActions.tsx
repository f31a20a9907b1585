"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LockKeyhole, LockKeyholeOpen } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { useLockState } from "~/components/shell/lock-context";
import { Alert, Button } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { BULK_POLL_MS, BulkOutcome, BulkProgressBar, type BulkRunData, workingLabel } from "./BulkProgress";

/** How often the list is refreshed while a run changes it (so its marks follow). */
const LIST_REFRESH_MS = 3000;

/**
 * Encrypt All / Decrypt All on a folder (only while unlocked): the run works on the server,
 * one message at a time; the folder shows its progress, from whichever web process answers,
 * and Cancel. A run already going on (started elsewhere, or before a reload) is shown too.
 */
export function BulkActions({ mailboxId, mailboxName }: { mailboxId: string; mailboxName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const lock = useLockState();
  const active = lock.smimeEnabled && lock.hasKey;
  const latestKey = trpc.bulk.latest.queryKey({ mailboxId });
  const latest = useQuery(
    trpc.bulk.latest.queryOptions(
      { mailboxId },
      {
        enabled: active,
        refetchInterval: (query) => (query.state.data?.state === "running" ? BULK_POLL_MS : false),
      },
    ),
  );
  const run = latest.data ?? null;
  const running = run?.state === "running";
  // Only a run seen going on from this page reports how it ended (not last week's).
  const [watched, setWatched] = useState<string | null>(null);
  useEffect(() => {
    if (run && running) setWatched(run.id);
  }, [run, running]);

  const show = (next: BulkRunData) => queryClient.setQueryData(latestKey, next);
  const start = useMutation(
    trpc.bulk.start.mutationOptions({
      onSuccess: (next) => {
        setWatched(next.id);
        show(next);
      },
    }),
  );
  const cancel = useMutation(trpc.bulk.cancel.mutationOptions({ onSuccess: show }));

  // The list follows the run: refreshed now and then while it changes, and when it ends.
  const wasRunning = useRef(false);
  useEffect(() => {
    if (!running) {
      if (wasRunning.current) void queryClient.invalidateQueries(trpc.mail.pathFilter());
      wasRunning.current = false;
      return;
    }
    wasRunning.current = true;
    const timer = setInterval(
      () => void queryClient.invalidateQueries(trpc.mail.list.pathFilter()),
      LIST_REFRESH_MS,
    );
    return () => clearInterval(timer);
  }, [running, queryClient, trpc]);

  if (!active) return null;
  const failure = failureOf(start.error ?? cancel.error);
  const again = run?.kind === "decrypt" ? "Decrypt All" : "Encrypt All";
  return (
    <div className="flex flex-col gap-2">
      {running && run ? (
        <BulkProgressBar
          run={run}
          label={workingLabel(run.kind, mailboxName)}
          onCancel={() => cancel.mutate({ runId: run.id })}
          cancelling={cancel.isPending}
        />
      ) : (
        lock.unlocked && (
          <div className="flex flex-wrap gap-2">
            <Button
              onClick={() => start.mutate({ mailboxId, kind: "encrypt" })}
              disabled={start.isPending}
              title={`Encrypt every message in ${mailboxName} to your certificate`}
            >
              <LockKeyhole aria-hidden className="h-4 w-4" />
              Encrypt All
            </Button>
            <Button
              onClick={() => start.mutate({ mailboxId, kind: "decrypt" })}
              disabled={start.isPending}
              title={`Store every encrypted message in ${mailboxName} decrypted`}
            >
              <LockKeyholeOpen aria-hidden className="h-4 w-4" />
              Decrypt All
            </Button>
          </div>
        )
      )}
      {run && !running && run.id === watched && run.kind !== "re-encrypt" && (
        <BulkOutcome run={run} again={again} />
      )}
      {failure && <Alert>{failure.message}</Alert>}
    </div>
  );
}
