"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Checkbox, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { SelectField } from "~/components/ui/SelectField";
import { useTRPC } from "~/trpc/client";
import { sentence, serverFieldError } from "./password-rules";
import { SMIME_OFF_TEXT } from "./settings-pages";

interface Initial {
  encryptionMethod: string;
  allowedCiphers: string[];
  domainDefaultCipher: string | null;
  alwaysSign: boolean;
  encryptWhenPossible: boolean;
}

/**
 * Settings → Compose: the Encryption Method (among the ciphers the domain allows) and how a
 * new message starts. All of it is Secure Mail: with S/MIME off there is nothing to show.
 */
export function ComposeSettings() {
  const trpc = useTRPC();
  const settings = useQuery(trpc.settings.get.queryOptions(undefined, { staleTime: 0 }));
  if (settings.isPending) return <p className="text-sm">Loading…</p>;
  const data = settings.data;
  if (!data) return <Alert>{sentence(failureOf(settings.error)?.message ?? "")}</Alert>;
  if (!data.smimeEnabled || !data.encryptionMethod)
    return <p className="text-sm text-slate-700">{SMIME_OFF_TEXT} New messages are sent as they are.</p>;
  return (
    <ComposeForm
      initial={{
        encryptionMethod: data.encryptionMethod,
        allowedCiphers: data.allowedCiphers,
        domainDefaultCipher: data.domainDefaultCipher,
        alwaysSign: data.alwaysSign,
        encryptWhenPossible: data.encryptWhenPossible,
      }}
    />
  );
}

function ComposeForm({ initial }: { initial: Initial }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [encryptionMethod, setEncryptionMethod] = useState(initial.encryptionMethod);
  const [alwaysSign, setAlwaysSign] = useState(initial.alwaysSign);
  const [encryptWhenPossible, setEncryptWhenPossible] = useState(initial.encryptWhenPossible);
  const [notice, setNotice] = useState<string | null>(null);
  const save = useMutation(
    trpc.settings.setCompose.mutationOptions({
      onSuccess: async () => {
        setNotice("Settings saved.");
        await queryClient.invalidateQueries({ queryKey: trpc.settings.pathKey() });
      },
      onError: () => setNotice(null),
    }),
  );
  const failure = failureOf(save.error);
  const methodError = serverFieldError(failure, "encryptionMethod");
  const options = initial.allowedCiphers.map((c) => ({
    value: c,
    label: c === initial.domainDefaultCipher ? `${c} (domain default)` : c,
  }));
  return (
    <form
      className="flex max-w-xl flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        setNotice(null);
        save.mutate({ encryptionMethod, alwaysSign, encryptWhenPossible });
      }}
    >
      <SelectField
        label="Encryption Method"
        className="sm:w-72"
        options={options}
        value={encryptionMethod}
        onChange={(e) => setEncryptionMethod(e.target.value)}
        error={methodError}
        hint="The cipher Send Encrypted uses (the ciphers your domain allows)."
      />
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium text-slate-700">New messages (while unlocked)</legend>
        <Checkbox
          label="Always Sign"
          checked={alwaysSign}
          onChange={(e) => setAlwaysSign(e.target.checked)}
        />
        <Checkbox
          label="Encrypt When Possible"
          checked={encryptWhenPossible}
          onChange={(e) => setEncryptWhenPossible(e.target.checked)}
        />
        <p className="text-xs text-slate-500">
          Always Sign starts a message with Send Signed checked; Encrypt When Possible checks Send Encrypted
          as soon as every recipient has a certificate.
        </p>
      </fieldset>
      {failure && !methodError && <Alert>{sentence(failure.message)}</Alert>}
      {notice && <Notice>{notice}</Notice>}
      <div>
        <Button type="submit" variant="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </Button>
      </div>
    </form>
  );
}
