"use client";

import { UnlockForm } from "~/components/shell/UnlockForm";

/**
 * A locked encrypted message: the reader unlocks here (the lock panel then only shows its
 * state, so the page has one Secure Mail Password field); the view then refetches.
 */
export function LockedPanel({ smimeEnabled, hasKey }: { smimeEnabled: boolean; hasKey: boolean }) {
  if (!smimeEnabled)
    return (
      <p className="text-sm text-slate-700">
        This message is encrypted, and Secure Mail is switched off for this account, so it cannot be opened
        here.
      </p>
    );
  if (!hasKey)
    return (
      <p className="text-sm text-slate-700">
        This message is encrypted, and this account has no Secure Mail key to open it (Settings → Secure
        Mail).
      </p>
    );
  return (
    <div className="flex max-w-sm flex-col gap-3 rounded-md border border-slate-200 bg-white p-4">
      <p className="text-sm text-slate-700">
        Enter your Secure Mail Password to read this message. Nothing of its content is shown until then.
      </p>
      <UnlockForm />
    </div>
  );
}
