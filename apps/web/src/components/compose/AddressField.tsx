"use client";

import { useId } from "react";
import { Field } from "~/components/ui/controls";
import { formatMailbox, lastTyped } from "./addresses";
import { ROW } from "./layout";

const MAX_SUGGESTIONS = 8;

/**
 * A plain text field for comma-separated addresses: what is typed is what is sent. Contacts
 * matching the word being typed are offered through a native datalist, which never blocks
 * typing; the list is attached only while there is something to offer.
 */
export function AddressField({
  label,
  value,
  onChange,
  contacts,
}: {
  label: string;
  value: string;
  onChange(value: string): void;
  contacts: Array<{ name: string; email: string }>;
}) {
  const listId = useId();
  const { head, word } = lastTyped(value);
  const needle = word.toLowerCase();
  const matches =
    needle.length === 0
      ? []
      : contacts
          .filter((c) => {
            const email = c.email.toLowerCase();
            return email !== needle && `${c.name} ${email}`.toLowerCase().includes(needle);
          })
          .slice(0, MAX_SUGGESTIONS);
  return (
    <>
      <Field
        label={label}
        type="text"
        className={ROW}
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        list={matches.length > 0 ? listId : undefined}
      />
      {matches.length > 0 && (
        <datalist id={listId}>
          {matches.map((c) => (
            <option key={c.email} value={`${head}${formatMailbox({ name: c.name, address: c.email })}`} />
          ))}
        </datalist>
      )}
    </>
  );
}
