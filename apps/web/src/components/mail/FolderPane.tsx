"use client";

import { ArrowLeft, FileText, Folder, Inbox, Send, Trash2 } from "lucide-react";
import Link from "next/link";
import { Button } from "~/components/ui/controls";
import { mailHref } from "./mail-url";
import { NewFolderForm } from "./NewFolderForm";
import type { MailboxItem } from "./types";

const ICONS: Record<string, typeof Folder> = { INBOX: Inbox, Sent: Send, Drafts: FileText, Trash: Trash2 };

/** The folders, each a link named "NAME" or "NAME 3" (3 unread), and the New Folder form. */
export function FolderPane({
  mailboxes,
  current,
  onNavigate,
}: {
  mailboxes: MailboxItem[] | undefined;
  current: string;
  /** A folder was chosen, or the pane closed (it covers the list on narrow screens). */
  onNavigate: () => void;
}) {
  return (
    <nav aria-label="Folders" className="flex min-h-0 flex-1 flex-col gap-4 overflow-y-auto p-3">
      <Button onClick={onNavigate} className="self-start lg:hidden">
        <ArrowLeft aria-hidden className="h-4 w-4" />
        Show Messages
      </Button>
      {mailboxes === undefined ? (
        <p className="text-sm text-slate-500">Loading folders…</p>
      ) : (
        <ul className="flex flex-col gap-0.5">
          {mailboxes.map((m) => {
            const Icon = ICONS[m.name] ?? Folder;
            const here = m.name === current;
            return (
              <li key={m.id}>
                <Link
                  href={mailHref(m.name)}
                  onClick={onNavigate}
                  aria-current={here ? "page" : undefined}
                  className={`flex items-center gap-2 rounded-md px-2 py-1.5 text-sm ${here ? "bg-blue-100 font-semibold text-blue-900" : "text-slate-800 hover:bg-slate-100"}`}
                >
                  <Icon aria-hidden className="h-4 w-4 shrink-0" />
                  <span className="min-w-0 flex-1 truncate">{m.name}</span>
                  {m.unseen > 0 && (
                    <>
                      {" "}
                      <span className="rounded-full bg-blue-700 px-1.5 text-xs font-semibold text-white">
                        {m.unseen}
                      </span>
                    </>
                  )}
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      <NewFolderForm />
    </nav>
  );
}
