"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { failureText } from "~/components/compose/failure-text";
import { Button, Field } from "~/components/ui/controls";
import { fileToBase64 } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import type { Feedback } from "./types";

/** Certificate File + Import Certificate: a PEM (one or more blocks) or DER certificate into the entry. */
export function CertificateImport({
  contactId,
  email,
  onFeedback,
}: {
  contactId: string;
  /** The entry's address, to warn when the certificate is for another. */
  email: string;
  onFeedback(feedback: Feedback): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  // A new key empties the file input after an import.
  const [inputKey, setInputKey] = useState(0);
  const importCert = useMutation(trpc.contacts.importCertificate.mutationOptions());
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        onFeedback(null);
        if (!file) {
          onFeedback({ kind: "alert", text: "Choose a certificate file (PEM or DER) first." });
          return;
        }
        try {
          const { added, addresses } = await importCert.mutateAsync({
            contactId,
            file: await fileToBase64(file),
          });
          setFile(null);
          setInputKey((k) => k + 1);
          const imported = `Imported ${added} certificate${added === 1 ? "" : "s"} from ${file.name}.`;
          // Encrypting to the entry's address needs a certificate issued for that address.
          const forOther = !addresses.some((a) => a.toLowerCase() === email.toLowerCase());
          await Promise.all([
            queryClient.invalidateQueries({ queryKey: trpc.contacts.list.queryKey() }),
            queryClient.invalidateQueries({ queryKey: trpc.contacts.certificates.queryKey({ contactId }) }),
          ]);
          onFeedback({
            kind: "status",
            text: forOther
              ? `${imported} It is issued for ${addresses.join(", ") || "no address"}, not for this entry's address.`
              : imported,
          });
        } catch (error) {
          onFeedback({ kind: "alert", text: `Import failed: ${failureText(error)}` });
        }
      }}
    >
      <Field
        key={inputKey}
        label="Certificate File"
        type="file"
        accept=".pem,.crt,.cer,.der,application/x-x509-ca-cert,application/pkix-cert"
        className="min-w-0 basis-full sm:basis-auto sm:flex-1"
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
      />
      <Button type="submit" disabled={importCert.isPending}>
        Import Certificate
      </Button>
    </form>
  );
}
