"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { fingerprintText } from "~/components/shell/words";
import { Alert, Button, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";

/**
 * Take Certificate: the signer's certificate, with the name and address it states, into the
 * selected address book. When that address already holds a different certificate, the store
 * changes nothing until the reader confirms the replacement.
 */
export function TakeCertificate({
  messageId,
  layer,
  signer,
  signerName,
  fingerprint,
}: {
  messageId: string;
  layer: number;
  signer: number;
  signerName: string;
  fingerprint: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const take = useMutation(
    trpc.mail.takeCertificate.mutationOptions({
      onSuccess: async (result) => {
        setConfirming(result.status === "needs-confirmation");
        if (result.status !== "needs-confirmation")
          await Promise.all([
            queryClient.invalidateQueries(trpc.contacts.pathFilter()),
            // The view's "Certificate changed since it was taken" compares with the stored one.
            queryClient.invalidateQueries(trpc.mail.read.queryFilter({ messageId })),
          ]);
      },
    }),
  );
  const failure = failureOf(take.error);
  const done = take.data && take.data.status !== "needs-confirmation" ? take.data : null;
  const contact = done?.contact;
  return (
    <span className="flex flex-col items-start gap-2">
      {!confirming && (
        <Button
          onClick={() => take.mutate({ messageId, layer, signer })}
          disabled={take.isPending}
          title={`Store the certificate of ${signerName} in the address book`}
        >
          Take Certificate
        </Button>
      )}
      {confirming && (
        <span className="flex flex-wrap items-center gap-2">
          {take.data?.why === "untrusted" ? (
            <span>
              This certificate was not issued by a trusted authority. Take it only if {signerName} confirmed
              its fingerprint to you:{" "}
              <code className="break-all text-xs">{fingerprintText(fingerprint)}</code>
            </span>
          ) : (
            <span>
              The address book holds another certificate for {take.data?.contact?.email}. Replace the stored
              certificate?
            </span>
          )}
          <Button
            variant="primary"
            onClick={() => take.mutate({ messageId, layer, signer, confirm: true })}
            disabled={take.isPending}
          >
            {take.data?.why === "untrusted" ? "Take Certificate Anyway" : "Replace Certificate"}
          </Button>
          <Button onClick={() => setConfirming(false)}>Cancel</Button>
        </span>
      )}
      {done && contact && (
        <Notice>
          {done.status === "already-taken"
            ? `The address book already holds this certificate for ${contact.email}`
            : `Certificate taken into the address book (${contact.name ? `${contact.name} <${contact.email}>` : contact.email})`}
        </Notice>
      )}
      {failure && <Alert>{failure.message}</Alert>}
    </span>
  );
}
