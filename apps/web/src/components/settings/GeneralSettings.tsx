"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, Button, Field, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { sentence, serverFieldError } from "./password-rules";

/** Settings → General: Real Name and the From address Send and Generate Key use. */
export function GeneralSettings() {
  const trpc = useTRPC();
  const settings = useQuery(trpc.settings.get.queryOptions(undefined, { staleTime: 0 }));
  if (settings.isPending) return <p className="text-sm">Loading…</p>;
  if (!settings.data) return <Alert>{sentence(failureOf(settings.error)?.message ?? "")}</Alert>;
  return (
    <GeneralForm
      address={settings.data.address}
      realName={settings.data.realName}
      fromAddress={settings.data.fromAddress}
    />
  );
}

function GeneralForm(initial: { address: string; realName: string; fromAddress: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [realName, setRealName] = useState(initial.realName);
  const [fromAddress, setFromAddress] = useState(initial.fromAddress);
  const [notice, setNotice] = useState<string | null>(null);
  const save = useMutation(
    trpc.settings.setGeneral.mutationOptions({
      onSuccess: async (saved) => {
        setRealName(saved.realName);
        setFromAddress(saved.fromAddress);
        setNotice("Settings saved.");
        await queryClient.invalidateQueries();
        // The shell shows the name: the server renders it again.
        router.refresh();
      },
      onError: () => setNotice(null),
    }),
  );
  const failure = failureOf(save.error);
  const nameError = serverFieldError(failure, "realName");
  const fromError = serverFieldError(failure, "fromAddress");
  return (
    <form
      className="flex max-w-xl flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        setNotice(null);
        save.mutate({ realName, fromAddress });
      }}
    >
      <Field
        label="Real Name"
        type="text"
        autoComplete="name"
        value={realName}
        onChange={(e) => setRealName(e.target.value)}
        error={nameError}
        hint="Shown with your address on the mail you send, and put in a certificate Generate Key makes."
      />
      <Field
        label="From"
        type="text"
        inputMode="email"
        autoComplete="email"
        spellCheck={false}
        placeholder={initial.address}
        value={fromAddress}
        onChange={(e) => setFromAddress(e.target.value)}
        error={fromError}
        hint={`The address Send and Generate Key use. Empty: ${initial.address}.`}
      />
      {failure && !nameError && !fromError && <Alert>{sentence(failure.message)}</Alert>}
      {notice && <Notice>{notice}</Notice>}
      <div>
        <Button type="submit" variant="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </Button>
      </div>
    </form>
  );
}
