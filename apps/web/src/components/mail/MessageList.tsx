"use client";

import { FolderTree } from "lucide-react";
import { type KeyboardEvent, useState } from "react";
import { Alert, Button, Field, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { BulkActions } from "./BulkActions";
import { MessageRow } from "./MessageRow";
import type { MailNotice, MessageSummary } from "./types";

/** Arrow keys or j/k move between messages; Enter opens the focused one. */
function moveFocus(e: KeyboardEvent<HTMLUListElement>) {
  const down = e.key === "ArrowDown" || e.key === "j";
  const up = e.key === "ArrowUp" || e.key === "k";
  if (!down && !up) return;
  const rows = Array.from(e.currentTarget.querySelectorAll<HTMLAnchorElement>("a[data-message-row]"));
  const at = rows.indexOf(document.activeElement as HTMLAnchorElement);
  if (at < 0) return;
  const next = rows[down ? Math.min(at + 1, rows.length - 1) : Math.max(at - 1, 0)];
  e.preventDefault();
  next?.focus();
}

/** The message list of one folder: search, the rows (newest first) and Load More. */
export function MessageList({
  mailbox,
  mailboxId,
  messages,
  loading,
  error,
  hasMore,
  loadingMore,
  onLoadMore,
  selectedId,
  onOpen,
  search,
  onSearch,
  onShowFolders,
  notice,
}: {
  mailbox: string;
  /** Known once the folders are loaded (Encrypt All / Decrypt All need it). */
  mailboxId?: string | undefined;
  messages: MessageSummary[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  selectedId: string | null;
  onOpen: (id: string) => void;
  search: string;
  onSearch: (text: string) => void;
  onShowFolders: () => void;
  notice: MailNotice | null;
}) {
  const [text, setText] = useState(search);
  const failure = failureOf(error);
  return (
    <section aria-label="Messages" className="flex min-h-0 flex-1 flex-col">
      <div className="flex flex-col gap-2 border-b border-slate-200 p-3">
        <div className="flex items-center gap-2">
          <Button onClick={onShowFolders} className="lg:hidden">
            <FolderTree aria-hidden className="h-4 w-4" />
            Folders
          </Button>
          <h1 className="min-w-0 flex-1 truncate text-base font-semibold">{mailbox}</h1>
        </div>
        {mailboxId && <BulkActions mailboxId={mailboxId} mailboxName={mailbox} />}
        <form
          className="flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            onSearch(text.trim());
          }}
        >
          <Field
            label="Search"
            type="search"
            className="min-w-0 flex-1"
            value={text}
            onChange={(e) => setText(e.target.value)}
            maxLength={200}
          />
          <Button type="submit">Search</Button>
        </form>
        {notice && (notice.tone === "alert" ? <Alert>{notice.text}</Alert> : <Notice>{notice.text}</Notice>)}
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {failure && (
          <div className="p-3">
            <Alert>{failure.message}</Alert>
          </div>
        )}
        {loading ? (
          <p className="p-3 text-sm text-slate-500">Loading messages…</p>
        ) : messages.length === 0 && !failure ? (
          <p className="p-3 text-sm text-slate-600">
            {search ? `No messages match “${search}”.` : "No messages in this folder."}
          </p>
        ) : (
          <ul onKeyDown={moveFocus}>
            {messages.map((m) => (
              <li key={m.id}>
                <MessageRow message={m} mailbox={mailbox} selected={m.id === selectedId} onOpen={onOpen} />
              </li>
            ))}
          </ul>
        )}
        {hasMore && (
          <div className="p-3">
            <Button onClick={onLoadMore} disabled={loadingMore} className="w-full justify-center">
              {loadingMore ? "Loading…" : "Load More"}
            </Button>
          </div>
        )}
      </div>
    </section>
  );
}
