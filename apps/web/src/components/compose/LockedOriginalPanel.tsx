"use client";

import { LockKeyhole } from "lucide-react";
import { useRegisterInlineUnlock } from "~/components/shell/lock-context";
import { UnlockForm } from "~/components/shell/UnlockForm";

/** The message to reply to, forward or reopen is encrypted: the password first, then the form. */
export function LockedOriginalPanel({ purpose }: { purpose: string }) {
  useRegisterInlineUnlock(true);
  return (
    <section className="flex flex-col gap-3 rounded-md border border-amber-300 bg-amber-50 p-4">
      <p className="flex items-start gap-2 text-sm text-amber-900">
        <LockKeyhole aria-hidden className="mt-0.5 h-4 w-4 shrink-0" />
        <span>The message is encrypted. Enter your Secure Mail Password {purpose}.</span>
      </p>
      <UnlockForm />
    </section>
  );
}
