"use client";

import { useId } from "react";
import type { Book } from "./types";

/** The current address book (Take Certificate files into it), also when there is only one. */
export function BookPicker({
  books,
  selectedId,
  disabled,
  onSelect,
}: {
  books: Book[];
  selectedId: string;
  disabled: boolean;
  onSelect(bookId: string): void;
}) {
  const id = useId();
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        Address Book
      </label>
      <select
        id={id}
        value={selectedId}
        disabled={disabled}
        onChange={(e) => onSelect(e.target.value)}
        className="w-full min-w-0 rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm sm:w-72"
      >
        {books.map((b) => (
          <option key={b.id} value={b.id}>
            {b.name}
          </option>
        ))}
      </select>
    </div>
  );
}
