"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useRegisterInlineUnlock } from "~/components/shell/lock-context";
import { Alert, Button, Field } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { sentence, serverFieldError } from "./password-rules";

/**
 * Renew Key and Certificate: a new key and certificate from the server's CA for the same
 * address, sealed under the same Secure Mail Password (which the server checks). The current
 * key stays as an earlier key so old mail still opens; afterwards the session is unlocked
 * with the new key, ready for Re-encrypt Stored Mail.
 */
export function RenewPanel({ email, onDone }: { email: string; onDone(notice: string): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // This form has its own Secure Mail Password field: the lock panel hides its one meanwhile.
  useRegisterInlineUnlock(true);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>();
  const renew = useMutation(
    trpc.secureMail.renew.mutationOptions({
      onError: (e) => {
        const f = failureOf(e);
        setError(
          serverFieldError(f, "password") ?? (f?.appCode === "wrong-password" ? f.message : undefined),
        );
      },
      onSuccess: async () => {
        setPassword("");
        await queryClient.invalidateQueries();
        onDone(
          "Your new key and certificate are in use, and Secure Mail is unlocked with them. The old key is kept as an earlier key, so mail encrypted to it still opens.",
        );
      },
    }),
  );
  const failure = failureOf(renew.error);
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (password.length === 0) {
          setError("Enter your Secure Mail Password.");
          return;
        }
        renew.mutate({ password });
      }}
    >
      <p className="text-sm text-slate-700">
        The server&apos;s certificate authority issues a new key and certificate for {email}, sealed under
        your Secure Mail Password. The current key is kept as an earlier key, so mail encrypted to it still
        opens; its certificate is revoked as superseded. Correspondents need your new certificate: send them a
        signed message.
      </p>
      <Field
        label="Secure Mail Password"
        type="password"
        autoComplete="current-password"
        className="max-w-sm"
        value={password}
        onChange={(e) => {
          setPassword(e.target.value);
          setError(undefined);
        }}
        error={error}
      />
      {failure && !error && <Alert>{sentence(failure.message)}</Alert>}
      <div>
        <Button type="submit" variant="primary" disabled={renew.isPending}>
          {renew.isPending ? "Renewing…" : "Renew Key and Certificate"}
        </Button>
      </div>
    </form>
  );
}
