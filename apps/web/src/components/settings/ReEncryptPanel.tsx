"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { BULK_POLL_MS, BulkOutcome, BulkProgressBar, workingLabel } from "~/components/mail/BulkProgress";
import { useLockState } from "~/components/shell/lock-context";
import { Alert, Button, Checkbox } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { UnlockFirst } from "./UnlockFirst";

interface Started {
  runId: string;
  folder: string;
}

/** One folder's re-encryption: its progress while it runs, then how it ended. */
function FolderRun({ runId, folder }: Started) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const run = useQuery(
    trpc.bulk.run.queryOptions(
      { runId },
      { refetchInterval: (query) => (query.state.data?.state === "running" ? BULK_POLL_MS : false) },
    ),
  );
  const cancel = useMutation(
    trpc.bulk.cancel.mutationOptions({
      onSuccess: (next) => queryClient.setQueryData(trpc.bulk.run.queryKey({ runId }), next),
    }),
  );
  const data = run.data;
  const ended = data !== undefined && data.state !== "running";
  useEffect(() => {
    if (ended) void queryClient.invalidateQueries(trpc.mail.pathFilter());
  }, [ended, queryClient, trpc]);
  if (!data) return <p className="text-sm text-slate-600">{workingLabel("re-encrypt", folder)}…</p>;
  if (data.state === "running")
    return (
      <BulkProgressBar
        run={data}
        label={workingLabel("re-encrypt", folder)}
        onCancel={() => cancel.mutate({ runId })}
        cancelling={cancel.isPending}
      />
    );
  return (
    <div className="flex flex-col gap-1">
      <p className="text-sm font-medium">{folder}</p>
      <BulkOutcome run={data} again="Re-encrypt Stored Mail" />
    </div>
  );
}

/**
 * Re-encrypt Stored Mail: after a renewal, encrypted mail in the chosen folders is moved to
 * the new key, message by message (each opened with whichever key it was sealed to, sealed
 * anew to the current certificate, and swapped in one transaction). Mail already sealed to
 * the current certificate is skipped, so running it again only finishes what is left.
 */
export function ReEncryptPanel() {
  const trpc = useTRPC();
  const lock = useLockState();
  const folders = useQuery(trpc.mail.mailboxes.queryOptions());
  const [unticked, setUnticked] = useState<Set<string>>(() => new Set());
  const [started, setStarted] = useState<Started[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const start = useMutation(trpc.bulk.start.mutationOptions());
  const [starting, setStarting] = useState(false);
  // The progress appears below the folder list: brought into view when the runs start.
  const results = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (started.length > 0) results.current?.scrollIntoView({ block: "nearest" });
  }, [started]);

  if (lock.loading) return <p className="text-sm">Loading…</p>;
  if (!lock.unlocked)
    return <UnlockFirst why="Re-encrypting opens your mail: enter your Secure Mail Password first." />;
  const list = folders.data ?? [];
  const chosen = list.filter((f) => !unticked.has(f.id));
  const folderFailure = failureOf(folders.error);
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={async (e) => {
        e.preventDefault();
        setStarting(true);
        const runs: Started[] = [];
        const failed: string[] = [];
        // One run per folder; each works on the server, so they are all started at once.
        for (const folder of chosen) {
          try {
            const run = await start.mutateAsync({ mailboxId: folder.id, kind: "re-encrypt" });
            runs.push({ runId: run.id, folder: folder.name });
          } catch (error) {
            failed.push(`${folder.name}: ${failureOf(error)?.message ?? "could not start"}`);
          }
        }
        setStarted(runs);
        setProblems(failed);
        setStarting(false);
      }}
    >
      <p className="text-sm text-slate-700">
        Encrypted mail in the folders you choose is opened with the key it was sealed to and sealed again to
        your current certificate, one message at a time. Every message is always stored either the old way or
        the new way; mail already sealed to the current certificate is left as it is.
      </p>
      {folderFailure && <Alert>{folderFailure.message}</Alert>}
      <fieldset className="flex flex-col gap-1.5">
        <legend className="mb-1 text-sm font-medium text-slate-700">Folders</legend>
        {folders.isPending ? (
          <p className="text-sm text-slate-600">Loading folders…</p>
        ) : (
          list.map((f) => (
            <Checkbox
              key={f.id}
              label={f.name}
              checked={!unticked.has(f.id)}
              onChange={(e) =>
                setUnticked((old) => {
                  const next = new Set(old);
                  if (e.target.checked) next.delete(f.id);
                  else next.add(f.id);
                  return next;
                })
              }
            />
          ))
        )}
      </fieldset>
      <div>
        <Button type="submit" variant="primary" disabled={starting || chosen.length === 0}>
          {starting ? "Starting…" : "Re-encrypt Stored Mail"}
        </Button>
      </div>
      {problems.length > 0 && (
        <Alert>
          {problems.map((p) => (
            <span key={p} className="block">
              {p}
            </span>
          ))}
        </Alert>
      )}
      {started.length > 0 && (
        <div ref={results} className="flex flex-col gap-3">
          {started.map((s) => (
            <FolderRun key={s.runId} {...s} />
          ))}
        </div>
      )}
    </form>
  );
}
