"use client";

import { useState } from "react";
import { Button, Field } from "~/components/ui/controls";

/** Name, Email, Add: a new entry in the book shown. */
export function AddContactForm({
  busy,
  onAdd,
}: {
  busy: boolean;
  onAdd(entry: { name: string; email: string }): Promise<boolean>;
}) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  return (
    <form
      // The server's own sentence names what is wrong with an address.
      noValidate
      className="flex flex-wrap items-end gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await onAdd({ name, email })) {
          setName("");
          setEmail("");
        }
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
      <Button type="submit" variant="primary" disabled={busy}>
        Add
      </Button>
    </form>
  );
}
