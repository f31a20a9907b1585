"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LockKeyhole, LockKeyholeOpen } from "lucide-react";
import { timeLeftText, WORDS_LOCKED, WORDS_UNLOCKED } from "~/components/shell/words";
import { Button } from "~/components/ui/controls";
import { useTRPC } from "~/trpc/client";
import { useInlineUnlockCount, useLockState } from "./lock-context";
import { UnlockForm } from "./UnlockForm";

/** On every signed-in page while the account has a key: locked (with the unlock form) or unlocked with the time left. */
export function LockPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const lock = useLockState();
  const inline = useInlineUnlockCount();
  const doLock = useMutation(
    trpc.secureMail.lock.mutationOptions({ onSuccess: () => queryClient.invalidateQueries() }),
  );
  if (lock.loading || !lock.smimeEnabled || !lock.hasKey) return null;
  return (
    <section
      aria-label="Secure Mail lock"
      className="flex flex-wrap items-center gap-3 border-b border-slate-200 bg-white px-4 py-2 text-sm"
    >
      {lock.unlocked ? (
        <>
          <LockKeyholeOpen aria-hidden className="h-4 w-4 text-green-700" />
          <span className="font-medium text-green-800">{WORDS_UNLOCKED}</span>
          <span>
            <span className="sr-only">Time left: </span>
            <span data-testid="lock-time-left">{timeLeftText(lock.msLeft)}</span> left
          </span>
          <Button onClick={() => doLock.mutate()} disabled={doLock.isPending}>
            Lock
          </Button>
        </>
      ) : (
        <>
          <LockKeyhole aria-hidden className="h-4 w-4 text-amber-700" />
          <span className="font-medium text-amber-800">{WORDS_LOCKED}</span>
          {inline === 0 && <UnlockForm compact />}
        </>
      )}
    </section>
  );
}
