"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Alert, Button, Checkbox, Field, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { AdminSection } from "./AdminPage";
import { domainHref } from "./admin-text";

const onOff = (on: boolean) => (on ? "on" : "off");

/** The Admin overview: the domains this administrator may see; for a server admin also Add Domain and the server CA. */
export function AdminHome() {
  const trpc = useTRPC();
  const domains = useQuery(trpc.admin.domains.queryOptions());
  const failure = failureOf(domains.error);
  if (domains.isPending) return <p className="text-sm">Loading…</p>;
  if (failure || !domains.data)
    return <Alert>{failure?.message ?? "The domains could not be loaded."}</Alert>;
  const { serverAdmin } = domains.data;
  return (
    <div className="flex flex-col gap-6">
      <AdminSection title="Domains">
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
          {domains.data.domains.map((d) => (
            <li key={d.name} className="px-4 py-3">
              <Link
                href={domainHref(d.name)}
                className="font-medium text-blue-800 underline-offset-2 hover:underline"
              >
                {d.name}
              </Link>
              <p className="text-sm text-slate-600">
                S/MIME {onOff(d.smimeEnabled)} · Directory {onOff(d.directoryEnabled)} · Unlock{" "}
                {d.unlockSeconds} s · {d.defaultCipher}
              </p>
            </li>
          ))}
        </ul>
        {!serverAdmin && (
          <p className="text-sm text-slate-600">You administer this domain and its accounts.</p>
        )}
      </AdminSection>
      {serverAdmin && <AddDomainForm />}
      {serverAdmin && (
        <AdminSection title="Server CA">
          <p className="text-sm text-slate-700">
            The certificate authority that issues users&apos; keys: its certificate and CRL, a corporate CA,
            revocation.{" "}
            <Link href="/admin/ca" className="font-medium text-blue-800 underline-offset-2 hover:underline">
              Server CA
            </Link>
          </p>
        </AdminSection>
      )}
    </div>
  );
}

function AddDomainForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [smime, setSmime] = useState(true);
  const [directory, setDirectory] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);
  const add = useMutation(
    trpc.admin.addDomain.mutationOptions({
      onSuccess: async (d) => {
        setName("");
        setNotice(`${d.name} is added.`);
        await queryClient.invalidateQueries({ queryKey: trpc.admin.domains.queryKey() });
      },
    }),
  );
  const failure = failureOf(add.error);
  return (
    <AdminSection title="Add Domain">
      <form
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          setNotice(null);
          add.mutate({ name, smimeEnabled: smime, directoryEnabled: directory });
        }}
      >
        <Field
          label="Domain"
          value={name}
          autoComplete="off"
          placeholder="example.com"
          onChange={(e) => setName(e.target.value)}
          error={
            failure?.fieldErrors?.name?.[0] ??
            (failure?.appCode === "invalid-argument" ? failure.message : undefined)
          }
        />
        <div className="flex flex-wrap gap-4">
          <Checkbox label="S/MIME" checked={smime} onChange={(e) => setSmime(e.target.checked)} />
          <Checkbox label="Directory" checked={directory} onChange={(e) => setDirectory(e.target.checked)} />
        </div>
        {failure && failure.appCode !== "invalid-argument" && !failure.fieldErrors && (
          <Alert>{failure.message}</Alert>
        )}
        {notice && <Notice>{notice}</Notice>}
        <div>
          <Button type="submit" variant="primary" disabled={add.isPending}>
            {add.isPending ? "Adding…" : "Add Domain"}
          </Button>
        </div>
      </form>
    </AdminSection>
  );
}
