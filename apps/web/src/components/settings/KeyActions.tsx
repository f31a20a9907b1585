"use client";

import { useState } from "react";
import { Disclosure } from "./Disclosure";
import { ExportPanel } from "./ExportPanel";
import { ModifyPasswordPanel } from "./ModifyPasswordPanel";
import { RemovePanel } from "./RemovePanel";

type Action = "modify" | "export" | "remove";

const ACTIONS: ReadonlyArray<{ id: Action; title: string }> = [
  { id: "modify", title: "Modify Secure Mail Password" },
  { id: "export", title: "Export Key and Certificate" },
  { id: "remove", title: "Remove Key and Certificate" },
];

/** What can be done with the key; one section open at a time, so every label is unique on the page. */
export function KeyActions({
  earlierKeys,
  onNotice,
}: {
  earlierKeys: number;
  onNotice(notice: string | null): void;
}) {
  const [open, setOpen] = useState<Action | null>(null);
  const done = (notice: string) => {
    setOpen(null);
    onNotice(notice);
  };
  return (
    <div className="flex flex-col gap-3">
      {ACTIONS.map(({ id, title }) => (
        <Disclosure
          key={id}
          title={title}
          open={open === id}
          onOpenChange={(next) => {
            onNotice(null);
            setOpen(next ? id : null);
          }}
        >
          {id === "modify" && <ModifyPasswordPanel onDone={done} />}
          {id === "export" && <ExportPanel onDone={done} />}
          {id === "remove" && <RemovePanel earlierKeys={earlierKeys} onDone={done} />}
        </Disclosure>
      ))}
    </div>
  );
}
