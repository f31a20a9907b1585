"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { failureText } from "~/components/compose/failure-text";
import { useLockState } from "~/components/shell/lock-context";
import { Button } from "~/components/ui/controls";
import { useTRPC } from "~/trpc/client";
import { CertificateImport } from "./CertificateImport";
import { CertificateList } from "./CertificateList";
import { ContactEditForm } from "./ContactEditForm";
import { FeedbackLine } from "./FeedbackLine";
import type { ContactRow, Feedback } from "./types";

/** One entry: name, address, [@] when it holds a certificate, and what can be done with it. */
export function ContactEntry({
  contact,
  editing,
  onEdit,
  onEditDone,
  onDeleted,
}: {
  contact: ContactRow;
  editing: boolean;
  onEdit(): void;
  onEditDone(): void;
  onDeleted(text: string): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [showCertificates, setShowCertificates] = useState(false);
  const update = useMutation(trpc.contacts.update.mutationOptions());
  const remove = useMutation(trpc.contacts.remove.mutationOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.contacts.pathKey() });
  const certificatesId = `certificates-${contact.id}`;
  // With S/MIME off for the account or its domain, no Secure Mail control appears anywhere.
  const smime = useLockState().smimeEnabled;

  return (
    <li className="flex flex-col gap-2 border-b border-slate-200 px-3 py-3 last:border-b-0">
      {editing ? (
        <ContactEditForm
          contact={contact}
          busy={update.isPending}
          onCancel={onEditDone}
          onSave={async (entry) => {
            setFeedback(null);
            try {
              await update.mutateAsync({ contactId: contact.id, ...entry });
              await refresh();
              onEditDone();
              setFeedback({ kind: "status", text: "Saved." });
            } catch (error) {
              setFeedback({ kind: "alert", text: failureText(error) });
            }
          }}
        />
      ) : (
        <div className="flex min-w-0 flex-wrap items-baseline gap-x-3 gap-y-1">
          <span className="font-medium">{contact.name || "(no name)"}</span>
          <span className="min-w-0 break-all text-slate-700">{contact.email}</span>
          {smime && contact.hasCertificate && (
            <span
              title="Holds a certificate: mail to this address can be encrypted"
              className="font-mono text-green-800"
            >
              [@]
            </span>
          )}
        </div>
      )}
      {!editing && (
        <div className="flex flex-wrap gap-2">
          <Button onClick={onEdit}>Edit</Button>
          <Button
            variant="danger"
            disabled={remove.isPending}
            onClick={async () => {
              setFeedback(null);
              try {
                await remove.mutateAsync({ contactId: contact.id });
                await refresh();
                onDeleted("Entry deleted.");
              } catch (error) {
                setFeedback({ kind: "alert", text: failureText(error) });
              }
            }}
          >
            Delete
          </Button>
          {smime && (
            <Button
              aria-expanded={showCertificates}
              aria-controls={showCertificates ? certificatesId : undefined}
              onClick={() => setShowCertificates((v) => !v)}
            >
              View Certificate
            </Button>
          )}
        </div>
      )}
      {smime && showCertificates && (
        <div id={certificatesId}>
          <CertificateList contactId={contact.id} onFeedback={setFeedback} />
        </div>
      )}
      {smime && <CertificateImport contactId={contact.id} email={contact.email} onFeedback={setFeedback} />}
      <FeedbackLine feedback={feedback} />
    </li>
  );
}
