"use client";

import { useState } from "react";
import { Disclosure } from "./Disclosure";
import { ExportPanel } from "./ExportPanel";
import { ModifyPasswordPanel } from "./ModifyPasswordPanel";
import { ReEncryptPanel } from "./ReEncryptPanel";
import { RemovePanel } from "./RemovePanel";
import { RenewPanel } from "./RenewPanel";

type Action = "renew" | "reencrypt" | "modify" | "export" | "remove";

const ACTIONS: ReadonlyArray<{ id: Action; title: string }> = [
  { id: "renew", title: "Renew Key and Certificate" },
  { id: "reencrypt", title: "Re-encrypt Stored Mail" },
  { id: "modify", title: "Modify Secure Mail Password" },
  { id: "export", title: "Export Key and Certificate" },
  { id: "remove", title: "Remove Key and Certificate" },
];

/**
 * What can be done with the key; one section open at a time, so every label is unique on the
 * page. A certificate about to expire opens Renew Key and Certificate; a renewal then offers
 * Re-encrypt Stored Mail (offered whenever there are earlier keys).
 */
export function KeyActions({
  email,
  earlierKeys,
  expiresSoon,
  onNotice,
}: {
  email: string;
  earlierKeys: number;
  expiresSoon: boolean;
  onNotice(notice: string | null): void;
}) {
  const [open, setOpen] = useState<Action | null>(expiresSoon ? "renew" : null);
  const done = (notice: string) => {
    setOpen(null);
    onNotice(notice);
  };
  return (
    <div className="flex flex-col gap-3">
      {ACTIONS.filter(({ id }) => id !== "reencrypt" || earlierKeys > 0 || open === id).map(
        ({ id, title }) => (
          <Disclosure
            key={id}
            title={title}
            open={open === id}
            onOpenChange={(next) => {
              onNotice(null);
              setOpen(next ? id : null);
            }}
          >
            {id === "renew" && (
              <RenewPanel
                email={email}
                onDone={(notice) => {
                  setOpen("reencrypt");
                  onNotice(notice);
                }}
              />
            )}
            {id === "reencrypt" && <ReEncryptPanel />}
            {id === "modify" && <ModifyPasswordPanel onDone={done} />}
            {id === "export" && <ExportPanel onDone={done} />}
            {id === "remove" && <RemovePanel earlierKeys={earlierKeys} onDone={done} />}
          </Disclosure>
        ),
      )}
    </div>
  );
}
