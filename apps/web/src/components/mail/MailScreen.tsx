"use client";

import { skipToken, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { MailOpen } from "lucide-react";
import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Alert } from "~/components/ui/controls";
import { useTRPC } from "~/trpc/client";
import { FolderPane } from "./FolderPane";
import { MessageList } from "./MessageList";
import { MessageView } from "./MessageView";
import { showMessage } from "./mail-url";
import type { MailNotice, MessageViewData } from "./types";
import { useMailCache } from "./use-mail-cache";

const PAGE_SIZE = 50;
/**
 * New mail arrives without the page asking: the folder counts and the list are always
 * refetched when the screen opens or the window regains focus, and polled while it is open.
 */
const FRESH_MAIL = { staleTime: 0, refetchOnWindowFocus: true, refetchInterval: 30_000 } as const;

/**
 * Folders | messages | the open message on a desktop; one pane at a time on a phone (the
 * list, the message with Back, or the folders). The folder is the route segment, the open
 * message the ?m= search parameter.
 */
export function MailScreen({ mailboxName }: { mailboxName: string }) {
  const trpc = useTRPC();
  // The open message follows the URL (links, Back); a click sets it at once, in the same
  // event, so the view (and its unlock form) is there before the next keystroke.
  const urlId = useSearchParams().get("m");
  const [selectedId, setSelectedId] = useState(urlId);
  useEffect(() => setSelectedId(urlId), [urlId]);
  const [showFolders, setShowFolders] = useState(false);
  const [search, setSearch] = useState("");
  const [notice, setNotice] = useState<MailNotice | null>(null);
  const { patchSummary } = useMailCache();

  const mailboxes = useQuery(trpc.mail.mailboxes.queryOptions(undefined, FRESH_MAIL));
  const mailbox = mailboxes.data?.find((m) => m.name === mailboxName);
  const list = useInfiniteQuery(
    trpc.mail.list.infiniteQueryOptions(
      mailbox ? { mailboxId: mailbox.id, limit: PAGE_SIZE, ...(search ? { search } : {}) } : skipToken,
      { getNextPageParam: (page) => page.nextCursor ?? undefined, ...FRESH_MAIL },
    ),
  );
  const messages = useMemo(() => list.data?.pages.flatMap((p) => p.messages) ?? [], [list.data]);

  const open = useCallback(
    (id: string | null, options: { notice?: MailNotice; replace?: boolean } = {}) => {
      setNotice(options.notice ?? null);
      setSelectedId(id);
      showMessage(mailboxName, id, options.replace ? "replace" : "push");
    },
    [mailboxName],
  );
  // Reading marks the message read on the server: show it read in the list and counts.
  const onOpened = useCallback((view: MessageViewData) => patchSummary(view.summary), [patchSummary]);

  const pane = showFolders ? "folders" : selectedId ? "view" : "list";
  if (mailboxes.data && !mailbox)
    return (
      <div className="p-4">
        <Alert>There is no folder named “{mailboxName}”.</Alert>
      </div>
    );

  return (
    <div className="flex h-full min-h-0">
      <div
        className={`${pane === "folders" ? "flex" : "hidden lg:flex"} w-full shrink-0 flex-col border-r border-slate-200 bg-slate-50 md:w-56`}
      >
        <FolderPane
          mailboxes={mailboxes.data}
          current={mailboxName}
          onNavigate={() => setShowFolders(false)}
        />
      </div>
      <div
        className={`${pane === "list" ? "flex" : pane === "view" ? "hidden md:flex" : "hidden lg:flex"} w-full min-w-0 shrink-0 flex-col border-r border-slate-200 bg-white md:w-80 2xl:w-96`}
      >
        <MessageList
          key={mailboxName}
          mailbox={mailboxName}
          mailboxId={mailbox?.id}
          messages={messages}
          loading={mailboxes.isPending || list.isPending}
          error={mailboxes.error ?? list.error}
          hasMore={list.hasNextPage}
          loadingMore={list.isFetchingNextPage}
          onLoadMore={() => void list.fetchNextPage()}
          selectedId={selectedId}
          onOpen={(id) => open(id)}
          search={search}
          onSearch={setSearch}
          onShowFolders={() => setShowFolders(true)}
          notice={selectedId ? null : notice}
        />
      </div>
      <div className={`${pane === "view" ? "flex" : "hidden md:flex"} min-w-0 flex-1 flex-col bg-white`}>
        {selectedId ? (
          <MessageView
            key={selectedId}
            messageId={selectedId}
            hint={messages.find((m) => m.id === selectedId)}
            mailboxes={mailboxes.data ?? []}
            notice={notice}
            onNotice={setNotice}
            onOpened={onOpened}
            onBack={() => open(null)}
            onReplaced={(id, n) => open(id, { notice: n, replace: true })}
            onClosed={(n) => open(null, { notice: n, replace: true })}
          />
        ) : (
          <div className="flex flex-1 flex-col items-center justify-center gap-2 p-6 text-sm text-slate-500">
            <MailOpen aria-hidden className="h-8 w-8" />
            <p>Choose a message to read it.</p>
          </div>
        )}
      </div>
    </div>
  );
}
