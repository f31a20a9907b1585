"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { CertificateDetails } from "./CertificateDetails";
import { KeyActions } from "./KeyActions";
import { NoKeySetup } from "./NoKeySetup";
import { sentence } from "./password-rules";

/** Settings → Secure Mail: set up a key, or show it with what can be done with it. */
export function SecureMailSettings() {
  const trpc = useTRPC();
  const status = useQuery(trpc.secureMail.status.queryOptions(undefined, { staleTime: 0 }));
  // Kept here, above the views, so the notice survives the switch from "no key" to "key" and back.
  const [notice, setNotice] = useState<string | null>(null);
  const failure = failureOf(status.error);
  return (
    <div className="flex flex-col gap-6">
      {notice && <Notice>{notice}</Notice>}
      {status.isPending ? (
        <p className="text-sm">Loading…</p>
      ) : failure ? (
        <Alert>{sentence(failure.message)}</Alert>
      ) : status.data?.hasKey ? (
        <>
          <CertificateDetails status={status.data} />
          <KeyActions
            email={status.data.email ?? ""}
            earlierKeys={status.data.earlierKeys}
            expiresSoon={status.data.expiresSoon}
            onNotice={setNotice}
          />
        </>
      ) : (
        <NoKeySetup earlierKeys={status.data?.earlierKeys ?? 0} onDone={setNotice} />
      )}
    </div>
  );
}
