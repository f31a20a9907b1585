"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Alert, Button, Field, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { SelectField } from "~/components/ui/SelectField";
import { useTRPC } from "~/trpc/client";
import { AdminSection } from "./AdminPage";
import { accountHref, ROLE_LABELS, type RoleName } from "./admin-text";

/** A domain's accounts (each links to its page) and Add Account. */
export function AccountsView({ domain }: { domain: string }) {
  const trpc = useTRPC();
  const accounts = useQuery(trpc.admin.accounts.queryOptions({ domain }, { staleTime: 0 }));
  const failure = failureOf(accounts.error);
  return (
    <div className="flex flex-col gap-6">
      <AdminSection title="Accounts">
        {accounts.isPending ? (
          <p className="text-sm">Loading…</p>
        ) : failure || !accounts.data ? (
          <Alert>{failure?.message ?? "The accounts could not be loaded."}</Alert>
        ) : accounts.data.length === 0 ? (
          <p className="text-sm text-slate-700">No accounts yet.</p>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
            {accounts.data.map((a) => (
              <li key={a.address} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-4 py-2.5">
                <Link
                  href={accountHref(a.address)}
                  className="min-w-0 font-medium break-all text-blue-800 underline-offset-2 hover:underline"
                >
                  {a.address}
                </Link>
                {a.realName && <span className="text-sm text-slate-700">{a.realName}</span>}
                <span className="text-xs text-slate-600">{ROLE_LABELS[a.role]}</span>
                {a.disabled && (
                  <span className="rounded bg-red-100 px-1.5 text-xs font-medium text-red-900">Disabled</span>
                )}
                {!a.smime && (
                  <span className="rounded bg-slate-100 px-1.5 text-xs font-medium text-slate-700">
                    S/MIME off
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </AdminSection>
      <AddAccountForm domain={domain} />
    </div>
  );
}

function AddAccountForm({ domain }: { domain: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const serverAdmin = useQuery(trpc.admin.domains.queryOptions()).data?.serverAdmin === true;
  const [address, setAddress] = useState("");
  const [realName, setRealName] = useState("");
  const [role, setRole] = useState<RoleName>("user");
  const [newPassword, setNewPassword] = useState("");
  const [reenterPassword, setReenterPassword] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const add = useMutation(
    trpc.admin.addAccount.mutationOptions({
      onSuccess: async (a) => {
        setNotice(`${a.address} is added.`);
        setAddress("");
        setRealName("");
        setRole("user");
        setNewPassword("");
        setReenterPassword("");
        await queryClient.invalidateQueries({ queryKey: trpc.admin.accounts.queryKey({ domain }) });
      },
    }),
  );
  const failure = failureOf(add.error);
  const fieldError = (name: string) => failure?.fieldErrors?.[name]?.[0];
  const roles = (Object.keys(ROLE_LABELS) as RoleName[]).filter((r) => r !== "server-admin" || serverAdmin);
  return (
    <AdminSection title="Add Account">
      <form
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          setNotice(null);
          add.mutate({ address, realName, role, newPassword, reenterPassword });
        }}
      >
        <div className="grid gap-3 sm:grid-cols-2">
          <Field
            label="Address"
            value={address}
            autoComplete="off"
            placeholder={`name@${domain}`}
            onChange={(e) => setAddress(e.target.value)}
            error={fieldError("address")}
          />
          <Field
            label="Real Name"
            value={realName}
            autoComplete="off"
            onChange={(e) => setRealName(e.target.value)}
          />
          <Field
            label="Login Password"
            type="password"
            autoComplete="new-password"
            value={newPassword}
            onChange={(e) => setNewPassword(e.target.value)}
            error={fieldError("newPassword")}
          />
          <Field
            label="Reenter Login Password"
            type="password"
            autoComplete="new-password"
            value={reenterPassword}
            onChange={(e) => setReenterPassword(e.target.value)}
            error={fieldError("reenterPassword")}
          />
          <SelectField
            label="Role"
            value={role}
            options={roles.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
            onChange={(e) => setRole(e.target.value as RoleName)}
            error={fieldError("role")}
          />
        </div>
        {failure && !failure.fieldErrors && <Alert>{failure.message}</Alert>}
        {notice && <Notice>{notice}</Notice>}
        <div>
          <Button type="submit" variant="primary" disabled={add.isPending}>
            {add.isPending ? "Adding…" : "Add Account"}
          </Button>
        </div>
      </form>
    </AdminSection>
  );
}
