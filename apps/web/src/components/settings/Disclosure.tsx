"use client";

import { ChevronRight, X } from "lucide-react";
import { type ReactNode, useEffect, useRef } from "react";
import { Button } from "~/components/ui/controls";

/**
 * One action section of the page. Closed: a button with the action's name. Open: a heading
 * with that name, the panel, and Close. The opener is not kept while open, so the panel's own
 * button ("Export") is the only one of its name; focus moves to the heading and back.
 */
export function Disclosure({
  title,
  open,
  onOpenChange,
  children,
}: {
  title: string;
  open: boolean;
  onOpenChange(open: boolean): void;
  children: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(open);
  useEffect(() => {
    if (open && !wasOpen.current) heading.current?.focus();
    if (!open && wasOpen.current && document.activeElement === document.body) opener.current?.focus();
    wasOpen.current = open;
  }, [open]);
  if (!open)
    return (
      <div className="rounded-lg border border-slate-200 bg-white">
        <button
          ref={opener}
          type="button"
          aria-expanded={false}
          onClick={() => onOpenChange(true)}
          className="flex w-full items-center gap-2 rounded-lg px-4 py-3 text-left text-sm font-semibold hover:bg-slate-50"
        >
          <ChevronRight aria-hidden className="h-4 w-4 shrink-0 text-slate-500" />
          {title}
        </button>
      </div>
    );
  return (
    <section className="flex flex-col gap-3 rounded-lg border border-blue-300 bg-white p-4">
      <div className="flex items-start justify-between gap-2">
        <h2 ref={heading} tabIndex={-1} className="text-base font-semibold">
          {title}
        </h2>
        <Button onClick={() => onOpenChange(false)} className="shrink-0">
          <X aria-hidden className="h-4 w-4" />
          Close
        </Button>
      </div>
      {children}
    </section>
  );
}
