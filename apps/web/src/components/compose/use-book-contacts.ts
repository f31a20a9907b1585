"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/client";

/** The contacts of the selected address book, for address completion (empty until loaded). */
export function useBookContacts(): Array<{ name: string; email: string }> {
  const trpc = useTRPC();
  const books = useQuery(trpc.contacts.books.queryOptions(undefined, { staleTime: 60_000 }));
  const bookId = books.data?.find((b) => b.selected)?.id ?? "";
  const contacts = useQuery({
    ...trpc.contacts.list.queryOptions({ bookId }, { staleTime: 60_000 }),
    enabled: bookId !== "",
  });
  return contacts.data ?? [];
}
