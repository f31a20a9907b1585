"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { WORDS_FORGOTTEN_PASSWORD } from "~/components/shell/words";
import { Alert, Button, Field } from "~/components/ui/controls";
import { failureOf, fileToBase64 } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { NewPasswordFields } from "./NewPasswordFields";
import { PFX_MAX_BYTES, pfxFailureText, sentence, serverFieldError } from "./password-rules";
import { usePasswordPair } from "./use-password-pair";
import { Warning } from "./Warning";

/**
 * No current key: choose the Secure Mail Password, then import a PFX or let the server CA
 * issue a key and certificate. With earlier keys kept, the password must be the one they are
 * sealed under (store proves it), so the hint says so.
 */
export function NoKeySetup({ earlierKeys, onDone }: { earlierKeys: number; onDone(notice: string): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pair = usePasswordPair();
  const [file, setFile] = useState<File | null>(null);
  const [fileInput, setFileInput] = useState(0);
  const [filePassword, setFilePassword] = useState("");
  const [fileError, setFileError] = useState<string | undefined>();

  const showServerErrors = (error: unknown) => {
    const failure = failureOf(error);
    pair.setServerErrors({
      newPassword: serverFieldError(failure, "newPassword"),
      reenterPassword: serverFieldError(failure, "reenterPassword"),
    });
    setFileError(serverFieldError(failure, "pfx"));
  };
  const done = async (notice: string) => {
    pair.clear();
    setFilePassword("");
    setFile(null);
    setFileInput((n) => n + 1);
    await queryClient.invalidateQueries();
    onDone(notice);
  };
  const importPfx = useMutation(
    trpc.secureMail.importPfx.mutationOptions({
      onError: showServerErrors,
      onSuccess: () => done("The key and certificate from the file are installed."),
    }),
  );
  const generate = useMutation(
    trpc.secureMail.generate.mutationOptions({
      onError: showServerErrors,
      onSuccess: () => done("A new key and certificate are generated and installed."),
    }),
  );
  const busy = importPfx.isPending || generate.isPending;
  const importFailure = failureOf(importPfx.error);
  const generateFailure = failureOf(generate.error);

  const onImport = async () => {
    generate.reset();
    const passwordsOk = pair.validate();
    const tooLarge = file !== null && file.size > PFX_MAX_BYTES;
    setFileError(
      !file ? "Choose a PFX file." : tooLarge ? "The file is too large for a PFX file." : undefined,
    );
    if (!passwordsOk || !file || tooLarge) return;
    importPfx.mutate({
      pfx: await fileToBase64(file),
      filePassword,
      newPassword: pair.newPassword,
      reenterPassword: pair.reenterPassword,
    });
  };
  const onGenerate = () => {
    importPfx.reset();
    setFileError(undefined);
    if (!pair.validate()) return;
    generate.mutate({ newPassword: pair.newPassword, reenterPassword: pair.reenterPassword });
  };

  return (
    <div className="flex flex-col gap-6">
      <p className="text-sm text-slate-700">
        {earlierKeys > 0
          ? "This account has no current Secure Mail key."
          : "This account has no Secure Mail key yet."}{" "}
        Choose a Secure Mail Password, then import your key and certificate from a PFX file or generate a new
        one.
      </p>
      <section className="flex flex-col gap-3">
        <h2 className="text-base font-semibold">Secure Mail Password</h2>
        <Warning>{WORDS_FORGOTTEN_PASSWORD}</Warning>
        <NewPasswordFields
          newPassword={pair.newPassword}
          reenterPassword={pair.reenterPassword}
          errors={pair.errors}
          onChange={pair.onChange}
          {...(earlierKeys > 0
            ? {
                hint: `Your ${earlierKeys === 1 ? "earlier key is" : `${earlierKeys} earlier keys are`} kept under your current Secure Mail Password: enter that password.`,
              }
            : {})}
        />
      </section>
      <form
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          void onImport();
        }}
      >
        <h2 className="text-base font-semibold">Import from a file</h2>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field
            key={fileInput}
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
        {importFailure && <Alert>{pfxFailureText(importFailure)}</Alert>}
        <div>
          <Button type="submit" variant="primary" disabled={busy}>
            {importPfx.isPending ? "Importing…" : "Import File Data"}
          </Button>
        </div>
      </form>
      <section className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="text-base font-semibold">Or generate a new key</h2>
        <p className="text-sm text-slate-700">
          The server&apos;s certificate authority issues a certificate for your From address when it is this
          account&apos;s own, else for the account address.
        </p>
        {generateFailure && <Alert>{sentence(generateFailure.message)}</Alert>}
        <div>
          <Button
            onClick={onGenerate}
            variant="primary"
            disabled={busy}
            aria-busy={generate.isPending || undefined}
          >
            {generate.isPending ? "Generating…" : "Generate Key and Certificate"}
          </Button>
        </div>
        {generate.isPending && (
          <p role="status" className="text-sm text-slate-600">
            Generating the key and certificate; this takes a few seconds…
          </p>
        )}
      </section>
    </div>
  );
}
