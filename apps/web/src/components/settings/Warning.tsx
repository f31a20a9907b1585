import { TriangleAlert } from "lucide-react";
import type { ReactNode } from "react";

/** A standing caution (not a failure, so not role alert): icon plus words. */
export function Warning({ children }: { children: ReactNode }) {
  return (
    <div className="flex gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950">
      <TriangleAlert aria-hidden className="mt-0.5 h-4 w-4 shrink-0 text-amber-700" />
      <p>
        <span className="font-semibold">Warning: </span>
        {children}
      </p>
    </div>
  );
}
