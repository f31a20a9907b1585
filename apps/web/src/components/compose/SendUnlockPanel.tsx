"use client";

import { KeyRound } from "lucide-react";
import { useEffect, useRef } from "react";
import { useRegisterInlineUnlock } from "~/components/shell/lock-context";
import { UnlockForm } from "~/components/shell/UnlockForm";

/**
 * Signing and encrypting need the unlocked key: the Secure Mail Password is asked for here,
 * in the compose page, and everything typed stays as it is. The lock panel meanwhile shows
 * only its state, so the page has one password field.
 */
export function SendUnlockPanel({ waiting, onUnlocked }: { waiting: boolean; onUnlocked(): void }) {
  useRegisterInlineUnlock(true);
  const box = useRef<HTMLDivElement>(null);
  // Send was pressed: the password field is where the user goes next.
  useEffect(() => {
    if (waiting) box.current?.querySelector<HTMLInputElement>("input[type=password]")?.focus();
  }, [waiting]);
  return (
    <div ref={box} className="flex flex-col gap-2 rounded-md border border-amber-300 bg-amber-50 p-3">
      <p className="flex items-start gap-2 text-sm text-amber-900">
        <KeyRound aria-hidden className="mt-0.5 h-4 w-4 shrink-0" />
        <span>
          {waiting
            ? "Enter your Secure Mail Password: the message is sent as soon as the key is unlocked."
            : "Send Signed and Send Encrypted need your Secure Mail Password. What you typed is kept."}
        </span>
      </p>
      <UnlockForm compact onUnlocked={onUnlocked} />
    </div>
  );
}
