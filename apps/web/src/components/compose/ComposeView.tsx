"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type ReactNode, useEffect, useState } from "react";
import { useLockState } from "~/components/shell/lock-context";
import { Alert } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { ComposeForm } from "./ComposeForm";
import { carryAttachments } from "./carry-attachments";
import { LockedOriginalPanel } from "./LockedOriginalPanel";
import { type ComposeInitial, type ComposeSource, EMPTY, prefill } from "./prefill";

interface Ready {
  initial: ComposeInitial;
  files: File[];
  /** Attachments of the original that could not be carried over. */
  failed: string[];
}

function titleOf(source: ComposeSource): string {
  if (source.kind === "reply") return source.all ? "Reply All" : "Reply";
  if (source.kind === "forward") return "Forward";
  if (source.kind === "draft") return "Draft";
  return "New Message";
}

const PURPOSE: Record<ComposeSource["kind"], string> = {
  new: "",
  reply: "to quote it in your reply",
  forward: "to forward it",
  draft: "to open the draft",
};

/**
 * Compose, prefilled from the message replied to or forwarded, or from a draft. The form is
 * filled once: later refetches (an unlock, a lock) never reset what the user typed.
 */
export function ComposeView({ source }: { source: ComposeSource }) {
  const trpc = useTRPC();
  const lock = useLockState();
  const messageId = source.kind === "new" ? "" : source.id;
  const [ready, setReady] = useState<Ready | null>(
    source.kind === "new" ? { initial: EMPTY, files: [], failed: [] } : null,
  );
  const original = useQuery({
    ...trpc.mail.read.queryOptions({ messageId }),
    enabled: messageId !== "" && ready === null,
  });
  const me = useQuery({ ...trpc.auth.me.queryOptions(), enabled: source.kind === "reply" });
  const view = original.data;
  const meSettled = source.kind !== "reply" || !me.isPending;
  const meData = me.data;

  useEffect(() => {
    if (ready || !view || view.state === "locked" || !meSettled || source.kind === "new") return;
    let cancelled = false;
    const initial = prefill(source, view, meData);
    void carryAttachments(messageId, initial.carry).then(({ files, failed }) => {
      if (!cancelled) setReady({ initial, files, failed });
    });
    return () => {
      cancelled = true;
    };
  }, [ready, view, meSettled, meData, source, messageId]);

  let content: ReactNode;
  if (ready)
    content = <ComposeForm initial={ready.initial} initialFiles={ready.files} carryFailed={ready.failed} />;
  else if (original.error)
    content = (
      <div className="flex flex-col gap-2">
        <Alert>{failureOf(original.error)?.message}</Alert>
        <Link href="/compose" className="text-sm text-blue-700 underline">
          Write a new message instead
        </Link>
      </div>
    );
  else if (view?.state === "locked" && !lock.loading)
    content = lock.hasKey ? (
      <LockedOriginalPanel purpose={PURPOSE[source.kind]} />
    ) : (
      <Alert>The message is encrypted, and this account has no Secure Mail key to open it.</Alert>
    );
  else content = <p className="text-sm text-slate-600">Loading…</p>;

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto flex min-h-full w-full max-w-3xl flex-col gap-3 p-3 sm:p-4">
        <h1 className="text-lg font-semibold">{titleOf(source)}</h1>
        {content}
      </div>
    </div>
  );
}
