"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef } from "react";
import { useLockState, useRegisterInlineUnlock } from "~/components/shell/lock-context";
import { Alert, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { LockedPanel } from "./LockedPanel";
import { MessageActions } from "./MessageActions";
import { type ContentView, MessageContent } from "./MessageContent";
import { TakeCertificate } from "./TakeCertificate";
import type { MailboxItem, MailNotice, MessageSummary, MessageViewData } from "./types";
import { useMailCache } from "./use-mail-cache";

/** While the message loads, what the list already knows (so the pane does not jump). */
function provisional(summary: MessageSummary, locked: boolean): ContentView {
  return {
    summary,
    state: locked ? "locked" : "plain",
    failure: null,
    layers: [],
    headers: {
      subject: summary.subject,
      from: summary.from,
      to: summary.to,
      cc: "",
      bcc: "",
      replyTo: "",
      date: new Date(summary.date).toISOString(),
      messageId: null,
      inReplyTo: null,
      references: null,
    },
    text: null,
    html: null,
    attachments: [],
  };
}

function Skeleton() {
  return (
    <div aria-hidden className="flex animate-pulse flex-col gap-3">
      <div className="h-6 w-2/3 rounded bg-slate-200" />
      <div className="h-4 w-1/2 rounded bg-slate-200" />
      <div className="h-4 w-1/3 rounded bg-slate-200" />
      <div className="mt-4 h-48 rounded bg-slate-100" />
    </div>
  );
}

/**
 * The open message. A locked encrypted message shows "Encrypted" and the unlock form, and
 * nothing of its content; once unlocked the same place shows the decrypted view. The
 * message's space is held while it loads or decrypts.
 */
export function MessageView({
  messageId,
  hint,
  mailboxes,
  notice,
  onNotice,
  onOpened,
  onBack,
  onReplaced,
  onClosed,
}: {
  messageId: string;
  /** The row from the list, when the list holds it. */
  hint: MessageSummary | undefined;
  mailboxes: MailboxItem[];
  notice: MailNotice | null;
  onNotice: (notice: MailNotice | null) => void;
  onOpened: (view: MessageViewData) => void;
  onBack: () => void;
  onReplaced: (id: string, notice: MailNotice) => void;
  onClosed: (notice: MailNotice) => void;
}) {
  const trpc = useTRPC();
  const lock = useLockState();
  const headingId = useId();
  const query = useQuery(trpc.mail.read.queryOptions({ messageId }));
  const data = query.data;

  // An encrypted row opened while locked shows the unlock form at once (same place, same
  // field) instead of waiting for the server to say so.
  const expectLocked =
    !data &&
    query.isPending &&
    (hint?.security === "encrypted" || hint?.security === "signed+encrypted") &&
    lock.smimeEnabled &&
    lock.hasKey &&
    !lock.unlocked;
  const view: ContentView | undefined = data ?? (hint ? provisional(hint, expectLocked) : undefined);
  const locked = view?.state === "locked";
  useRegisterInlineUnlock(locked && lock.smimeEnabled && lock.hasKey);

  // Once per message and flag change (patching the caches must not call this again).
  const opened = data ? `${data.summary.id} ${data.summary.flags.join()}` : null;
  const latest = useRef(data);
  latest.current = data;
  useEffect(() => {
    if (opened && latest.current) onOpened(latest.current);
  }, [opened, onOpened]);

  // Opening a message marks it read (a mutation: reading itself changes nothing on the server).
  // Not while locked: nothing of it was read.
  const { patchSummary } = useMailCache();
  const markSeen = useMutation(
    trpc.mail.setSeen.mutationOptions({ onSuccess: (summary) => patchSummary(summary) }),
  );
  const unseenId =
    data && data.state !== "locked" && !data.summary.flags.includes("seen") ? data.summary.id : null;
  const { mutate: mark } = markSeen;
  // Once per opened message: "Mark as Unread" afterwards must stick.
  const autoMarked = useRef(new Set<string>());
  useEffect(() => {
    if (!unseenId || autoMarked.current.has(unseenId)) return;
    autoMarked.current.add(unseenId);
    mark({ messageId: unseenId, seen: true });
  }, [unseenId, mark]);

  const failure = failureOf(query.error);
  return (
    // On a phone the toolbar scrolls away with the message; on a desktop the message scrolls under it.
    <article
      aria-labelledby={view ? headingId : undefined}
      className="flex min-h-0 flex-1 flex-col overflow-y-auto md:overflow-y-hidden"
    >
      <div className="border-b border-slate-200 p-3">
        <MessageActions
          messageId={messageId}
          view={data}
          mailboxes={mailboxes}
          onBack={onBack}
          onReplaced={onReplaced}
          onClosed={onClosed}
          onNotice={onNotice}
        />
      </div>
      <div className="p-4 md:min-h-0 md:flex-1 md:overflow-y-auto">
        <div className="mx-auto flex max-w-4xl flex-col gap-4">
          {notice &&
            (notice.tone === "alert" ? <Alert>{notice.text}</Alert> : <Notice>{notice.text}</Notice>)}
          {failure ? (
            <Alert>{failure.message}</Alert>
          ) : view ? (
            <MessageContent
              view={view}
              headingId={headingId}
              pending={!data && !expectLocked}
              pendingBanners={
                hint?.security === "signed+encrypted" ? 2 : hint && hint.security !== "plain" ? 1 : 0
              }
              locked={<LockedPanel smimeEnabled={lock.smimeEnabled} hasKey={lock.hasKey} />}
              signerAction={(layer, signer) =>
                // Only a signature that verified offers its certificate (an untrusted issuer asks first).
                lock.smimeEnabled && signer.certificate && (signer.valid || signer.status === "untrusted") ? (
                  <TakeCertificate
                    messageId={messageId}
                    layer={layer}
                    signer={signer.index}
                    signerName={signer.display}
                    fingerprint={signer.certificate.sha256}
                  />
                ) : null
              }
            />
          ) : (
            <Skeleton />
          )}
        </div>
      </div>
    </article>
  );
}
