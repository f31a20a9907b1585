import { Lock, PenLine } from "lucide-react";

/**
 * The list's marks for signed and encrypted mail: icons named "Signed" / "Encrypted" for
 * assistive technology (and a tooltip); the message view then states it in words.
 */
export function SecurityBadges({ security }: { security: string }) {
  const signed = security === "signed" || security === "signed+encrypted";
  const encrypted = security === "encrypted" || security === "signed+encrypted";
  return (
    <>
      {signed && (
        // Neutral, not green: the list has not verified anything (the message view judges it).
        <span role="img" aria-label="Signed" title="Signed" className="inline-flex shrink-0 text-slate-600">
          <PenLine aria-hidden className="h-3.5 w-3.5" />
        </span>
      )}
      {encrypted && (
        <span
          role="img"
          aria-label="Encrypted"
          title="Encrypted"
          className="inline-flex shrink-0 text-blue-700"
        >
          <Lock aria-hidden className="h-3.5 w-3.5" />
        </span>
      )}
    </>
  );
}
