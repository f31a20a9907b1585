"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Field } from "~/components/ui/controls";
import { failureOf, fileToBase64 } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { PFX_MAX_BYTES, pfxFailureText, serverFieldError } from "./password-rules";

/**
 * Remove Key and Certificate: only with a PFX that holds this very key, so a copy is known to
 * exist (no Secure Mail Password needed: the file proves ownership). Earlier keys stay.
 */
export function RemovePanel({ earlierKeys, onDone }: { earlierKeys: number; onDone(notice: string): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [filePassword, setFilePassword] = useState("");
  const [fileError, setFileError] = useState<string | undefined>();
  const [sentName, setSentName] = useState("");
  const remove = useMutation(
    trpc.secureMail.remove.mutationOptions({
      onError: (error) => setFileError(serverFieldError(failureOf(error), "pfx")),
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        onDone(
          earlierKeys > 0
            ? "The key and certificate are removed. Earlier keys stay, so older mail still opens."
            : "The key and certificate are removed.",
        );
      },
    }),
  );
  const failure = failureOf(remove.error);
  const failureText =
    failure?.appCode === "forbidden" && /does not hold/i.test(failure.message)
      ? `${sentName || "The file"} does not hold this key and certificate: nothing was removed.`
      : failure && pfxFailureText(failure);
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={async (e) => {
        e.preventDefault();
        const tooLarge = file !== null && file.size > PFX_MAX_BYTES;
        setFileError(
          !file ? "Choose a PFX file." : tooLarge ? "The file is too large for a PFX file." : undefined,
        );
        if (!file || tooLarge) return;
        setSentName(file.name);
        remove.mutate({ pfx: await fileToBase64(file), filePassword });
      }}
    >
      <p className="text-sm text-slate-700">
        To make sure a copy of the key exists, choose a PFX file that holds this same key (for example the{" "}
        <span className="font-mono">CertAndKey.pfx</span> you exported). The key is removed only when they
        match.
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="PFX File"
          type="file"
          accept=".pfx,.p12,application/x-pkcs12"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setFileError(undefined);
          }}
          error={fileError}
        />
        <Field
          label="File Password"
          type="password"
          autoComplete="off"
          value={filePassword}
          onChange={(e) => setFilePassword(e.target.value)}
        />
      </div>
      {failureText && <Alert>{failureText}</Alert>}
      <div>
        <Button type="submit" variant="danger" disabled={remove.isPending}>
          {remove.isPending ? "Comparing…" : "Compare with File and Delete"}
        </Button>
      </div>
    </form>
  );
}
