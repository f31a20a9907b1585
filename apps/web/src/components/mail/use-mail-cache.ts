"use client";

import { type InfiniteData, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { useTRPC } from "~/trpc/client";
import type { MessageSummary } from "./types";

type ListPage = { messages: MessageSummary[]; nextCursor: string | null };

/** Keeping the folder list, the message list and the open message in step after an action. */
export function useMailCache() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();

  /** The listing changed (moved, deleted, replaced): refetch lists and unread counts. */
  const refreshLists = useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries(trpc.mail.list.pathFilter()),
        queryClient.invalidateQueries(trpc.mail.mailboxes.pathFilter()),
      ]),
    [queryClient, trpc],
  );

  /**
   * One message's flags changed (read, marked unread): patch the rows in place instead of
   * refetching the list, and the open view's copy, then refresh the unread counts. Returns
   * whether a listed row changed.
   */
  const patchSummary = useCallback(
    (summary: MessageSummary) => {
      let changed = false;
      queryClient.setQueriesData<InfiniteData<ListPage>>(
        { queryKey: trpc.mail.list.infiniteQueryKey() },
        (data) => {
          if (!data) return data;
          return {
            ...data,
            pages: data.pages.map((page) => ({
              ...page,
              messages: page.messages.map((m) => {
                if (m.id !== summary.id || m.flags.join() === summary.flags.join()) return m;
                changed = true;
                return summary;
              }),
            })),
          };
        },
      );
      queryClient.setQueryData(trpc.mail.read.queryKey({ messageId: summary.id }), (view) =>
        view && view.summary.flags.join() !== summary.flags.join() ? { ...view, summary } : view,
      );
      if (changed) void queryClient.invalidateQueries(trpc.mail.mailboxes.pathFilter());
      return changed;
    },
    [queryClient, trpc],
  );

  return { refreshLists, patchSummary };
}
