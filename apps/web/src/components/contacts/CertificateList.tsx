"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { failureText } from "~/components/compose/failure-text";
import { Alert, Button } from "~/components/ui/controls";
import { useTRPC } from "~/trpc/client";
import { dateTimeText, fingerprintText } from "./certificate-text";
import type { Feedback } from "./types";

/** View Certificate: each certificate the entry holds, as a user checks it, with Remove Certificate. */
export function CertificateList({
  contactId,
  onFeedback,
}: {
  contactId: string;
  onFeedback(feedback: Feedback): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const certificates = useQuery(trpc.contacts.certificates.queryOptions({ contactId }));
  const remove = useMutation(trpc.contacts.removeCertificate.mutationOptions());

  if (certificates.error) return <Alert>{failureText(certificates.error)}</Alert>;
  if (!certificates.data) return <p className="text-sm text-slate-600">Loading…</p>;
  if (certificates.data.length === 0) return <p className="text-sm text-slate-600">No certificate yet.</p>;
  const now = Date.now();
  return (
    <div className="flex flex-col gap-2">
      {certificates.data.map((c) => {
        const expired = Date.parse(c.notAfter) < now;
        return (
          <div key={c.id} className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm">
            <dl className="grid grid-cols-1 gap-x-3 gap-y-1 sm:grid-cols-[max-content_1fr]">
              <dt className="font-medium text-slate-600">Subject</dt>
              <dd className="break-words">{c.subject}</dd>
              <dt className="font-medium text-slate-600">
                {c.emails.length === 1 ? "Address" : "Addresses"}
              </dt>
              <dd className="break-words">{c.emails.length > 0 ? c.emails.join(", ") : "none"}</dd>
              <dt className="font-medium text-slate-600">Issuer</dt>
              <dd className="break-words">{c.issuer}</dd>
              <dt className="font-medium text-slate-600">Valid</dt>
              <dd>
                from {dateTimeText(c.notBefore)} to {dateTimeText(c.notAfter)}
                {expired && <span className="ml-1 font-medium text-red-700">(expired)</span>}
              </dd>
              <dt className="font-medium text-slate-600">SHA-256 Fingerprint</dt>
              <dd className="break-all font-mono text-xs">{fingerprintText(c.sha256)}</dd>
            </dl>
            <Button
              variant="danger"
              className="mt-2"
              disabled={remove.isPending}
              onClick={async () => {
                onFeedback(null);
                try {
                  await remove.mutateAsync({ certificateId: c.id });
                  await Promise.all([
                    queryClient.invalidateQueries({ queryKey: trpc.contacts.list.queryKey() }),
                    queryClient.invalidateQueries({
                      queryKey: trpc.contacts.certificates.queryKey({ contactId }),
                    }),
                  ]);
                  onFeedback({ kind: "status", text: "Certificate removed." });
                } catch (error) {
                  onFeedback({ kind: "alert", text: failureText(error) });
                }
              }}
            >
              Remove Certificate
            </Button>
          </div>
        );
      })}
    </div>
  );
}
