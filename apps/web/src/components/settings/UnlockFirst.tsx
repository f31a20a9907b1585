"use client";

import { useRegisterInlineUnlock } from "~/components/shell/lock-context";
import { UnlockForm } from "~/components/shell/UnlockForm";

/** The Secure Mail Password asked for in place (the lock panel then hides its own field). */
export function UnlockFirst({ why }: { why: string }) {
  useRegisterInlineUnlock(true);
  return (
    <div className="flex flex-col gap-2">
      <p className="text-sm text-slate-700">{why}</p>
      <div className="max-w-sm">
        <UnlockForm />
      </div>
    </div>
  );
}
