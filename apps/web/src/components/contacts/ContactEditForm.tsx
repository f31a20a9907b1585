"use client";

import { useEffect, useRef, useState } from "react";
import { Button, Field } from "~/components/ui/controls";
import type { ContactRow } from "./types";

/** Edit in place: Name and Email, Save or Cancel. */
export function ContactEditForm({
  contact,
  busy,
  onSave,
  onCancel,
}: {
  contact: ContactRow;
  busy: boolean;
  onSave(entry: { name: string; email: string }): void;
  onCancel(): void;
}) {
  const [name, setName] = useState(contact.name);
  const [email, setEmail] = useState(contact.email);
  const form = useRef<HTMLFormElement>(null);
  // Edit puts the cursor in the entry's Name, where the change is typed.
  useEffect(() => {
    form.current?.querySelector("input")?.focus();
  }, []);
  return (
    <form
      ref={form}
      noValidate
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        onSave({ name, email });
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") onCancel();
      }}
    >
      <Field
        label="Name"
        className="min-w-0 flex-1 basis-40"
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <Field
        label="Email"
        type="text"
        inputMode="email"
        autoCapitalize="none"
        spellCheck={false}
        className="min-w-0 flex-1 basis-56"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={busy}>
          Save
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
