"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Field, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";

export function NewFolderForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.mail.createMailbox.mutationOptions({
      onSuccess: async () => {
        setName("");
        await queryClient.invalidateQueries(trpc.mail.mailboxes.pathFilter());
      },
    }),
  );
  const failure = failureOf(create.error);
  return (
    <form
      className="flex flex-col gap-2 border-t border-slate-200 pt-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) create.mutate({ name: name.trim() });
      }}
    >
      <h2 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">New Folder</h2>
      <Field
        label="Folder Name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        maxLength={255}
        required
      />
      <Button type="submit" disabled={create.isPending || name.trim() === ""}>
        Create Folder
      </Button>
      {failure && <Alert>{failure.message}</Alert>}
      {create.isSuccess && !failure && <Notice>Folder “{create.data.name}” created</Notice>}
    </form>
  );
}
