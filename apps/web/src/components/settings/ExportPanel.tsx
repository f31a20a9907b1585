"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useLockState } from "~/components/shell/lock-context";
import { Alert, Button, Checkbox, Field } from "~/components/ui/controls";
import { downloadBase64, failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { sentence, serverFieldError } from "./password-rules";
import { UnlockFirst } from "./UnlockFirst";

const EXPORT_NAME = "CertAndKey.pfx";

/** Export Key and Certificate: the one way a key leaves, as CertAndKey.pfx under a file password. */
export function ExportPanel({ onDone }: { onDone(notice: string): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const lock = useLockState();
  const [filePassword, setFilePassword] = useState("");
  const [verifyPassword, setVerifyPassword] = useState("");
  const [legacy, setLegacy] = useState(false);
  const [errors, setErrors] = useState<{ filePassword?: string; verifyPassword?: string }>({});
  const exportPfx = useMutation(
    trpc.secureMail.exportPfx.mutationOptions({
      onError: (error) => {
        const failure = failureOf(error);
        setErrors({
          filePassword: serverFieldError(failure, "filePassword"),
          verifyPassword: serverFieldError(failure, "verifyPassword"),
        });
        if (failure?.appCode === "locked") void queryClient.invalidateQueries();
      },
      onSuccess: (data) => {
        downloadBase64(data.pfx, EXPORT_NAME);
        setFilePassword("");
        setVerifyPassword("");
        onDone(`${EXPORT_NAME} is downloaded. Keep it, and its file password, in a safe place.`);
      },
    }),
  );
  if (lock.loading) return <p className="text-sm">Loading…</p>;
  if (!lock.unlocked)
    return (
      <UnlockFirst why="The key must be unlocked to export it: enter your Secure Mail Password first." />
    );
  const failure = failureOf(exportPfx.error);
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        const found = {
          filePassword: filePassword.length === 0 ? "Choose a file password." : undefined,
          verifyPassword: filePassword !== verifyPassword ? "The passwords do not match." : undefined,
        };
        setErrors(found);
        if (found.filePassword || found.verifyPassword) return;
        exportPfx.mutate({ filePassword, verifyPassword, legacy });
      }}
    >
      <p className="text-sm text-slate-700">
        The file holds your private key, protected only by the file password you choose here.
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="Export File Password"
          type="password"
          autoComplete="new-password"
          value={filePassword}
          onChange={(e) => {
            setFilePassword(e.target.value);
            setErrors((x) => ({ ...x, filePassword: undefined }));
          }}
          error={errors.filePassword}
        />
        <Field
          label="Verify File Password"
          type="password"
          autoComplete="new-password"
          value={verifyPassword}
          onChange={(e) => {
            setVerifyPassword(e.target.value);
            setErrors((x) => ({ ...x, verifyPassword: undefined }));
          }}
          error={errors.verifyPassword}
        />
      </div>
      <div className="flex flex-col gap-0.5">
        <Checkbox label="Legacy format" checked={legacy} onChange={(e) => setLegacy(e.target.checked)} />
        <p className="pl-6 text-xs text-slate-600">
          For old mail programs only: 3DES instead of AES-256, which is weaker.
        </p>
      </div>
      {failure && <Alert>{sentence(failure.message)}</Alert>}
      <div>
        <Button type="submit" variant="primary" disabled={exportPfx.isPending}>
          {exportPfx.isPending ? "Exporting…" : "Export"}
        </Button>
      </div>
    </form>
  );
}
