"use client";

import { useQuery } from "@tanstack/react-query";
import { Alert } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { AdminSection } from "./AdminPage";
import { formatWhen } from "./admin-text";

/** Which local addresses of the domain have a certificate in the directory now. */
export function DirectoryView({ domain }: { domain: string }) {
  const trpc = useTRPC();
  const directory = useQuery(trpc.admin.directory.queryOptions({ domain }, { staleTime: 0 }));
  const failure = failureOf(directory.error);
  return (
    <AdminSection title="Published Certificates">
      {directory.isPending ? (
        <p className="text-sm">Loading…</p>
      ) : failure || !directory.data ? (
        <Alert>{failure?.message ?? "The directory could not be loaded."}</Alert>
      ) : !directory.data.enabled ? (
        <p className="text-sm text-slate-700">
          The directory is off for {domain} (or S/MIME is): no certificates are published. Switch it on in the
          domain&apos;s settings.
        </p>
      ) : directory.data.entries.length === 0 ? (
        <p className="text-sm text-slate-700">No account of {domain} has a published certificate yet.</p>
      ) : (
        <>
          <p className="text-sm text-slate-700">
            Local senders find these certificates by address (the account&apos;s own, or its From address) and
            can encrypt to them.
          </p>
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
            {directory.data.entries.map((e) => (
              <li key={e.address} className="flex flex-col gap-0.5 px-4 py-2.5">
                <span className="text-sm font-medium break-all">
                  {e.address}
                  {e.fromAddress && e.fromAddress.toLowerCase() !== e.address.toLowerCase() && (
                    <span className="font-normal text-slate-600"> (From {e.fromAddress})</span>
                  )}
                </span>
                <span className="text-sm break-words text-slate-700">{e.subject || e.realName}</span>
                <span className="text-xs text-slate-600">Valid until {formatWhen(e.notAfter)}</span>
                <span className="font-mono text-xs break-all text-slate-600">SHA-256 {e.sha256}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </AdminSection>
  );
}
