"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { failureText } from "~/components/compose/failure-text";
import { Alert } from "~/components/ui/controls";
import { useTRPC } from "~/trpc/client";
import { AddContactForm } from "./AddContactForm";
import { BookPicker } from "./BookPicker";
import { ContactEntry } from "./ContactEntry";
import { FeedbackLine } from "./FeedbackLine";
import { NewBookForm } from "./NewBookForm";
import type { Feedback } from "./types";

/** Contacts: the account's address books, the current one's entries, and their certificates. */
export function ContactsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [editingId, setEditingId] = useState<string | null>(null);
  // Always fresh on arrival: Take Certificate on the mail page may have just filed an entry.
  const books = useQuery(trpc.contacts.books.queryOptions(undefined, { staleTime: 0 }));
  const book = books.data?.find((b) => b.selected) ?? books.data?.[0];
  const bookId = book?.id ?? "";
  const contacts = useQuery({
    ...trpc.contacts.list.queryOptions({ bookId }, { staleTime: 0 }),
    enabled: bookId !== "",
  });
  const selectBook = useMutation(trpc.contacts.selectBook.mutationOptions());
  const createBook = useMutation(trpc.contacts.createBook.mutationOptions());
  const add = useMutation(trpc.contacts.add.mutationOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.contacts.pathKey() });

  /** Runs an action; its success is announced once the page shows its result. */
  async function run(action: () => Promise<string>): Promise<boolean> {
    setFeedback(null);
    try {
      const text = await action();
      await refresh();
      setFeedback({ kind: "status", text });
      return true;
    } catch (error) {
      setFeedback({ kind: "alert", text: failureText(error) });
      return false;
    }
  }

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto flex w-full max-w-3xl flex-col gap-4 p-3 sm:p-4">
        <h1 className="text-lg font-semibold">Contacts</h1>
        {books.error && <Alert>{failureText(books.error)}</Alert>}
        {books.data && (
          <section className="flex flex-col gap-3 rounded-md border border-slate-200 bg-white p-3 sm:flex-row sm:flex-wrap sm:items-end sm:justify-between">
            <BookPicker
              books={books.data}
              selectedId={bookId}
              disabled={selectBook.isPending}
              onSelect={(id) =>
                void run(async () => {
                  await selectBook.mutateAsync({ bookId: id });
                  setEditingId(null);
                  const name = books.data.find((b) => b.id === id)?.name ?? "";
                  return `"${name}" is the current address book: Take Certificate files into it.`;
                })
              }
            />
            <NewBookForm
              busy={createBook.isPending}
              onCreate={(name) =>
                run(async () => {
                  const created = await createBook.mutateAsync({ name: name.trim() });
                  return `Address book "${created.name}" created. Choose it under Address Book to fill it.`;
                })
              }
            />
          </section>
        )}
        <FeedbackLine feedback={feedback} />
        {book && editingId === null && (
          <section className="rounded-md border border-slate-200 bg-white p-3">
            <h2 className="mb-2 text-sm font-semibold text-slate-700">Add to {book.name}</h2>
            <AddContactForm
              busy={add.isPending}
              onAdd={(entry) =>
                run(async () => {
                  await add.mutateAsync({ bookId, ...entry });
                  return "Entry added.";
                })
              }
            />
          </section>
        )}
        {contacts.error && <Alert>{failureText(contacts.error)}</Alert>}
        {contacts.data &&
          (contacts.data.length === 0 ? (
            <p className="text-sm text-slate-600">No entries in this address book yet.</p>
          ) : (
            <ul className="rounded-md border border-slate-200 bg-white">
              {contacts.data.map((c) => (
                <ContactEntry
                  key={c.id}
                  contact={c}
                  editing={editingId === c.id}
                  onEdit={() => {
                    setFeedback(null);
                    setEditingId(c.id);
                  }}
                  onEditDone={() => setEditingId(null)}
                  onDeleted={(text) => {
                    if (editingId === c.id) setEditingId(null);
                    setFeedback({ kind: "status", text });
                  }}
                />
              ))}
            </ul>
          ))}
        {(books.isPending || (bookId !== "" && contacts.isPending)) && (
          <p className="text-sm text-slate-600">Loading…</p>
        )}
      </div>
    </div>
  );
}
