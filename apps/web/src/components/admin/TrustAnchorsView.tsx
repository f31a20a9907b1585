"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Field, Notice } from "~/components/ui/controls";
import { failureOf, fileToBase64 } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { AdminSection } from "./AdminPage";

const CERTIFICATE_MAX_BYTES = 256 * 1024;

const SCOPE_LABELS = {
  "server-ca": "The server CA",
  "server-wide": "Server-wide",
  domain: "This domain",
} as const;

/** The CA certificates signatures in the domain are verified against; upload and remove the domain's own. */
export function TrustAnchorsView({ domain }: { domain: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const anchors = useQuery(trpc.admin.trustAnchors.queryOptions({ domain }, { staleTime: 0 }));
  const [notice, setNotice] = useState<string | null>(null);
  const remove = useMutation(
    trpc.admin.removeTrustAnchor.mutationOptions({
      onSuccess: async () => {
        setNotice("The trust anchor is removed.");
        await queryClient.invalidateQueries({ queryKey: trpc.admin.trustAnchors.queryKey({ domain }) });
      },
    }),
  );
  const failure = failureOf(anchors.error);
  const removeFailure = failureOf(remove.error);
  return (
    <div className="flex flex-col gap-6">
      <AdminSection title="Trust Anchors">
        <p className="text-sm text-slate-700">
          Signatures on mail in {domain} are verified against these CA certificates.
        </p>
        {notice && <Notice>{notice}</Notice>}
        {removeFailure && <Alert>{removeFailure.message}</Alert>}
        {anchors.isPending ? (
          <p className="text-sm">Loading…</p>
        ) : failure || !anchors.data ? (
          <Alert>{failure?.message ?? "The trust anchors could not be loaded."}</Alert>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
            {anchors.data.map((a) => (
              <li key={a.sha256} className="flex flex-wrap items-start gap-3 px-4 py-2.5">
                <div className="min-w-0 flex-1">
                  <p className="text-sm font-medium break-words">{a.subject || "(empty subject)"}</p>
                  <p className="font-mono text-xs break-all text-slate-600">SHA-256 {a.sha256}</p>
                  <p className="text-xs text-slate-600">Trusted by: {SCOPE_LABELS[a.scope]}</p>
                </div>
                {a.scope === "domain" && (
                  <Button
                    aria-label={`Remove ${a.subject || a.sha256}`}
                    disabled={remove.isPending}
                    onClick={() => {
                      setNotice(null);
                      remove.mutate({ domain, sha256: a.sha256 });
                    }}
                  >
                    Remove
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </AdminSection>
      <AddAnchorForm domain={domain} onNotice={setNotice} />
    </div>
  );
}

function AddAnchorForm({ domain, onNotice }: { domain: string; onNotice(notice: string | null): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();
  // A new key empties the file input after an upload.
  const [inputKey, setInputKey] = useState(0);
  const add = useMutation(
    trpc.admin.addTrustAnchor.mutationOptions({
      onSuccess: async ({ added, alreadyTrusted }) => {
        setFile(null);
        setInputKey((k) => k + 1);
        const parts = [
          added.length > 0 ? `Now trusted: ${added.map((a) => a.subject).join("; ")}.` : "",
          alreadyTrusted.length > 0
            ? `Already trusted: ${alreadyTrusted.map((a) => a.subject).join("; ")}.`
            : "",
        ];
        onNotice(parts.filter(Boolean).join(" "));
        await queryClient.invalidateQueries({ queryKey: trpc.admin.trustAnchors.queryKey({ domain }) });
      },
    }),
  );
  const failure = failureOf(add.error);
  return (
    <AdminSection title="Add Trust Anchor">
      <form
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={async (e) => {
          e.preventDefault();
          onNotice(null);
          const tooLarge = file !== null && file.size > CERTIFICATE_MAX_BYTES;
          setFileError(
            !file ? "Choose a certificate file." : tooLarge ? "The file is too large." : undefined,
          );
          if (!file || tooLarge) return;
          add.mutate({ domain, file: await fileToBase64(file) });
        }}
      >
        <Field
          key={inputKey}
          label="CA Certificate File"
          type="file"
          accept=".pem,.crt,.cer,.der"
          hint="PEM (one or more certificates) or DER."
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setFileError(undefined);
          }}
          error={fileError ?? (failure?.appCode === "invalid-argument" ? failure.message : undefined)}
        />
        {failure && failure.appCode !== "invalid-argument" && <Alert>{failure.message}</Alert>}
        <div>
          <Button type="submit" variant="primary" disabled={add.isPending}>
            {add.isPending ? "Adding…" : "Add Trust Anchor"}
          </Button>
        </div>
      </form>
    </AdminSection>
  );
}
