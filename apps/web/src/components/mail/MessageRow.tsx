"use client";

import type { MouseEvent } from "react";
import { listDate, senderName } from "./mail-format";
import { mailHref } from "./mail-url";
import { SecurityBadges } from "./SecurityBadges";
import type { MessageSummary } from "./types";

/** One message in the list: a link (opens in place; a new tab with Ctrl/Cmd/middle click). */
export function MessageRow({
  message,
  mailbox,
  selected,
  onOpen,
}: {
  message: MessageSummary;
  mailbox: string;
  selected: boolean;
  onOpen: (id: string) => void;
}) {
  const unread = !message.flags.includes("seen");
  const open = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    onOpen(message.id);
  };
  return (
    <a
      href={mailHref(mailbox, message.id)}
      onClick={open}
      aria-current={selected ? "true" : undefined}
      data-message-row=""
      className={`block border-b border-slate-200 px-3 py-2 text-sm focus-visible:-outline-offset-2 ${selected ? "bg-blue-50" : "hover:bg-slate-50"}`}
    >
      <span className="flex items-baseline gap-2">
        {unread && (
          <>
            <span aria-hidden className="h-2 w-2 shrink-0 self-center rounded-full bg-blue-700" />
            <span className="sr-only">Unread: </span>
          </>
        )}
        <span className={`min-w-0 flex-1 truncate ${unread ? "font-bold" : ""}`}>
          {senderName(message.from)}
        </span>{" "}
        <span className="shrink-0 text-xs text-slate-500">{listDate(message.date)}</span>
      </span>{" "}
      <span className="flex items-center gap-1.5">
        <span className={`min-w-0 flex-1 truncate ${unread ? "font-bold" : "text-slate-700"}`}>
          {message.subject || "(no subject)"}
        </span>{" "}
        <SecurityBadges security={message.security} />
      </span>
    </a>
  );
}
