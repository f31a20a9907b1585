"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Field } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";

/** The Secure Mail Password field and the Unlock button; on success every view refetches. */
export function UnlockForm({ compact = false, onUnlocked }: { compact?: boolean; onUnlocked?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [password, setPassword] = useState("");
  const unlock = useMutation(
    trpc.secureMail.unlock.mutationOptions({
      onSuccess: async () => {
        setPassword("");
        await queryClient.invalidateQueries();
        onUnlocked?.();
      },
    }),
  );
  const failure = failureOf(unlock.error);
  return (
    <form
      className={`flex ${compact ? "flex-row flex-wrap items-end" : "flex-col"} gap-2`}
      onSubmit={(e) => {
        e.preventDefault();
        unlock.mutate({ password });
      }}
    >
      <Field
        label="Secure Mail Password"
        type="password"
        autoComplete="off"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
      />
      <Button type="submit" variant="primary" disabled={unlock.isPending || password.length === 0}>
        {unlock.isPending ? "Unlocking…" : "Unlock"}
      </Button>
      {failure && (
        <Alert>
          {failure.appCode === "wrong-password" ? "Wrong Secure Mail Password." : failure.message}
        </Alert>
      )}
    </form>
  );
}
