"use client";

import { useState } from "react";
import { Button, Field } from "~/components/ui/controls";

/** New Address Book + Create. */
export function NewBookForm({ busy, onCreate }: { busy: boolean; onCreate(name: string): Promise<boolean> }) {
  const [name, setName] = useState("");
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await onCreate(name)) setName("");
      }}
    >
      <Field
        label="New Address Book"
        className="min-w-0 flex-1 sm:flex-none"
        value={name}
        onChange={(e) => setName(e.target.value)}
        maxLength={200}
      />
      <Button type="submit" disabled={busy || name.trim() === ""}>
        Create
      </Button>
    </form>
  );
}
