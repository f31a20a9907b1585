"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  ArrowLeft,
  Download,
  Forward,
  Lock,
  LockOpen,
  Mail,
  MailOpen,
  PenSquare,
  Reply,
  ReplyAll,
  Trash2,
} from "lucide-react";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { useLockState } from "~/components/shell/lock-context";
import { Button } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import type { MailboxItem, MailNotice, MessageViewData } from "./types";
import { useMailCache } from "./use-mail-cache";

/** On a phone the common buttons show only their icon; the name stays for assistive technology. */
function Label({ children }: { children: string }) {
  return <span className="sr-only sm:not-sr-only">{children}</span>;
}

/**
 * The message's buttons: Reply, Reply All, Forward, Move, Delete, Download Message, Mark as Read/Unread, and —
 * with Secure Mail on and the key unlocked — Decrypt or Encrypt in place.
 */
export function MessageActions({
  messageId,
  view,
  mailboxes,
  onBack,
  onReplaced,
  onClosed,
  onNotice,
}: {
  messageId: string;
  view: MessageViewData | undefined;
  mailboxes: MailboxItem[];
  onBack: () => void;
  /** Decrypt/Encrypt stored the message under a new id. */
  onReplaced: (id: string, notice: MailNotice) => void;
  /** Moved or deleted: the message is no longer here. */
  onClosed: (notice: MailNotice) => void;
  onNotice: (notice: MailNotice | null) => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const lock = useLockState();
  const { refreshLists, patchSummary } = useMailCache();
  const moveId = useId();
  const fail = (error: unknown) =>
    onNotice({ tone: "alert", text: failureOf(error)?.message ?? "That did not work." });

  const currentBox = view?.summary.mailboxId;
  const targets = mailboxes.filter((m) => m.id !== currentBox);
  const [chosen, setTarget] = useState("");
  const target = targets.some((m) => m.id === chosen) ? chosen : (targets[0]?.id ?? "");

  const move = useMutation(
    trpc.mail.move.mutationOptions({
      onSuccess: async (_, input) => {
        await refreshLists();
        const name = mailboxes.find((m) => m.id === input.mailboxId)?.name ?? "the folder";
        onClosed({ tone: "status", text: `Message moved to ${name}` });
      },
      onError: fail,
    }),
  );
  const remove = useMutation(
    trpc.mail.delete.mutationOptions({
      onSuccess: async (result) => {
        await refreshLists();
        onClosed({
          tone: "status",
          text: result.removed ? "Message deleted for good" : "Message moved to Trash",
        });
      },
      onError: fail,
    }),
  );
  const seen = useMutation(
    trpc.mail.setSeen.mutationOptions({
      onSuccess: (summary) => {
        patchSummary(summary);
        onNotice({
          tone: "status",
          text: summary.flags.includes("seen") ? "Marked as read" : "Marked as unread",
        });
      },
      onError: fail,
    }),
  );
  const replaced = (text: string) => async (summary: { id: string }) => {
    // The stored message has a new id: load its view before switching, so the pane does not
    // flash empty while it opens.
    await Promise.all([
      refreshLists(),
      queryClient.prefetchQuery(trpc.mail.read.queryOptions({ messageId: summary.id })),
    ]);
    onReplaced(summary.id, { tone: "status", text });
  };
  const decrypt = useMutation(
    trpc.mail.decrypt.mutationOptions({
      onSuccess: replaced("Decrypted: the message is now stored without encryption"),
      onError: fail,
    }),
  );
  const encrypt = useMutation(
    trpc.mail.encrypt.mutationOptions({
      onSuccess: replaced("The message is now stored encrypted to your certificate"),
      onError: fail,
    }),
  );

  const busy = move.isPending || remove.isPending || seen.isPending || decrypt.isPending || encrypt.isPending;
  const ready = view !== undefined && !busy;
  const isSeen = view?.summary.flags.includes("seen") ?? true;
  const hasEncryptedLayer = view?.layers.some((l) => l.type === "encrypted") ?? false;
  const secure = lock.smimeEnabled && lock.unlocked && view !== undefined;
  const canDecrypt = secure && view.state === "opened" && hasEncryptedLayer;
  const canEncrypt = secure && (view.state === "plain" || (view.state === "opened" && !hasEncryptedLayer));
  const go = (query: string) => router.push(`/compose?${query}`);
  // A draft is finished in Compose (encrypted drafts open there after the unlock).
  const isDraft = mailboxes.find((m) => m.id === view?.summary.mailboxId)?.name === "Drafts";
  const id = encodeURIComponent(messageId);

  return (
    <div role="toolbar" aria-label="Message actions" className="flex flex-wrap items-center gap-2">
      <Button onClick={onBack} className="md:hidden">
        <ArrowLeft aria-hidden className="h-4 w-4" />
        Back
      </Button>
      {isDraft && (
        <Button variant="primary" onClick={() => go(`draft=${id}`)} disabled={!ready}>
          <PenSquare aria-hidden className="h-4 w-4" />
          <Label>Edit Draft</Label>
        </Button>
      )}
      <Button onClick={() => go(`reply=${id}`)} disabled={!ready}>
        <Reply aria-hidden className="h-4 w-4" />
        <Label>Reply</Label>
      </Button>
      <Button onClick={() => go(`reply=${id}&all=1`)} disabled={!ready}>
        <ReplyAll aria-hidden className="h-4 w-4" />
        <Label>Reply All</Label>
      </Button>
      <Button onClick={() => go(`forward=${id}`)} disabled={!ready}>
        <Forward aria-hidden className="h-4 w-4" />
        <Label>Forward</Label>
      </Button>
      <span className="flex items-center gap-1.5">
        <label htmlFor={moveId} className="text-sm text-slate-700">
          Move to
        </label>
        <select
          id={moveId}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          className="max-w-36 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
        >
          {targets.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
        <Button onClick={() => move.mutate({ messageId, mailboxId: target })} disabled={!ready || !target}>
          Move
        </Button>
      </span>
      <Button variant="danger" onClick={() => remove.mutate({ messageId })} disabled={!ready}>
        <Trash2 aria-hidden className="h-4 w-4" />
        <Label>Delete</Label>
      </Button>
      {/* The stored bytes, encrypted if stored so: for another mail client or an archive. */}
      <a
        href={`/api/messages/${id}/raw`}
        download
        className="inline-flex items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100"
      >
        <Download aria-hidden className="h-4 w-4" />
        <Label>Download Message</Label>
      </a>
      <Button onClick={() => seen.mutate({ messageId, seen: !isSeen })} disabled={!ready}>
        {isSeen ? <Mail aria-hidden className="h-4 w-4" /> : <MailOpen aria-hidden className="h-4 w-4" />}
        {isSeen ? "Mark as Unread" : "Mark as Read"}
      </Button>
      {canDecrypt && (
        <Button onClick={() => decrypt.mutate({ messageId })} disabled={!ready}>
          <LockOpen aria-hidden className="h-4 w-4" />
          {decrypt.isPending ? "Decrypting…" : "Decrypt"}
        </Button>
      )}
      {canEncrypt && (
        <Button onClick={() => encrypt.mutate({ messageId })} disabled={!ready}>
          <Lock aria-hidden className="h-4 w-4" />
          {encrypt.isPending ? "Encrypting…" : "Encrypt"}
        </Button>
      )}
    </div>
  );
}
