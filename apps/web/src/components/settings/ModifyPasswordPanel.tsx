"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useLockState } from "~/components/shell/lock-context";
import { Alert, Button } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { NewPasswordFields } from "./NewPasswordFields";
import { sentence, serverFieldError } from "./password-rules";
import { UnlockFirst } from "./UnlockFirst";
import { usePasswordPair } from "./use-password-pair";

/** Modify Secure Mail Password: the unlocked keys (current and earlier) are sealed under the new one. */
export function ModifyPasswordPanel({ onDone }: { onDone(notice: string): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const lock = useLockState();
  const pair = usePasswordPair();
  const change = useMutation(
    trpc.secureMail.changePassword.mutationOptions({
      onError: (error) => {
        const failure = failureOf(error);
        pair.setServerErrors({
          newPassword: serverFieldError(failure, "newPassword"),
          reenterPassword: serverFieldError(failure, "reenterPassword"),
        });
        // The unlock may have run out meanwhile: the lock state decides what this panel shows.
        if (failure?.appCode === "locked") void queryClient.invalidateQueries();
      },
      onSuccess: async () => {
        pair.clear();
        await queryClient.invalidateQueries();
        onDone("The Secure Mail Password is modified. Use the new one from now on.");
      },
    }),
  );
  if (lock.loading) return <p className="text-sm">Loading…</p>;
  if (!lock.unlocked)
    return <UnlockFirst why="Unlock Secure Mail with your current Secure Mail Password first." />;
  const failure = failureOf(change.error);
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (pair.validate())
          change.mutate({ newPassword: pair.newPassword, reenterPassword: pair.reenterPassword });
      }}
    >
      <NewPasswordFields
        newPassword={pair.newPassword}
        reenterPassword={pair.reenterPassword}
        errors={pair.errors}
        onChange={pair.onChange}
      />
      {failure && <Alert>{sentence(failure.message)}</Alert>}
      <div>
        <Button type="submit" variant="primary" disabled={change.isPending}>
          {change.isPending ? "Modifying…" : "Modify Password"}
        </Button>
      </div>
    </form>
  );
}
