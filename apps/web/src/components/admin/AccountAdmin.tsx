"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useState } from "react";
import { Alert, Button, Checkbox, Field, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { SelectField } from "~/components/ui/SelectField";
import type { AppRouter } from "~/server/routers/app";
import { useTRPC } from "~/trpc/client";
import { AdminSection, DetailList, DetailRow } from "./AdminPage";
import { domainHref, formatWhen, ROLE_LABELS, type RoleName } from "./admin-text";

type AccountView = inferRouterOutputs<AppRouter>["admin"]["account"];

/** One account: details, role / disabled / S/MIME, a new login password, and its key's status. */
export function AccountAdmin({ address, self }: { address: string; self: boolean }) {
  const trpc = useTRPC();
  const account = useQuery(trpc.admin.account.queryOptions({ address }, { staleTime: 0 }));
  const serverAdmin = useQuery(trpc.admin.domains.queryOptions()).data?.serverAdmin === true;
  const [notice, setNotice] = useState<string | null>(null);
  const failure = failureOf(account.error);
  if (account.isPending) return <p className="text-sm">Loading…</p>;
  if (failure || !account.data)
    return <Alert>{failure?.message ?? "The account could not be loaded."}</Alert>;
  const a = account.data;
  const changeable = serverAdmin || a.role !== "server-admin";
  return (
    <div className="flex flex-col gap-6">
      <DetailList>
        <DetailRow term="Name">{a.realName || "—"}</DetailRow>
        <DetailRow term="Domain">
          <Link
            href={domainHref(a.domain, "accounts")}
            className="text-blue-800 underline-offset-2 hover:underline"
          >
            {a.domain}
          </Link>
        </DetailRow>
        <DetailRow term="From address">{a.fromAddress}</DetailRow>
        <DetailRow term="Role">{ROLE_LABELS[a.role]}</DetailRow>
        <DetailRow term="State">
          {a.disabled ? "Disabled" : "Enabled"} · S/MIME{" "}
          {a.smimeEnabled ? "on" : a.smime ? "off (domain)" : "off"}
        </DetailRow>
      </DetailList>
      {notice && <Notice>{notice}</Notice>}
      {changeable ? (
        <>
          <AccountForm
            key={JSON.stringify(a)}
            account={a}
            serverAdmin={serverAdmin}
            self={self}
            onNotice={setNotice}
          />
          {!self && <PasswordForm address={a.address} onNotice={setNotice} />}
        </>
      ) : (
        <p className="text-sm text-slate-700">Only a server administrator can change this account.</p>
      )}
      <KeyStatus address={a.address} />
    </div>
  );
}

function AccountForm({
  account,
  serverAdmin,
  self,
  onNotice,
}: {
  account: AccountView;
  serverAdmin: boolean;
  self: boolean;
  onNotice(notice: string | null): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<RoleName>(account.role);
  const [disabled, setDisabled] = useState(account.disabled);
  const [smime, setSmime] = useState(account.smime);
  const save = useMutation(
    trpc.admin.setAccount.mutationOptions({
      onSuccess: async (a) => {
        onNotice(`${a.address} is saved.`);
        await queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() });
      },
    }),
  );
  const failure = failureOf(save.error);
  const roles = (Object.keys(ROLE_LABELS) as RoleName[]).filter((r) => r !== "server-admin" || serverAdmin);
  return (
    <AdminSection title="Account">
      <form
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          onNotice(null);
          save.mutate({
            address: account.address,
            smimeEnabled: smime,
            ...(self ? {} : { role, disabled }),
          });
        }}
      >
        {self ? (
          <p className="text-sm text-slate-700">
            This is your own account: its role and state stay as they are.
          </p>
        ) : (
          <>
            <SelectField
              label="Role"
              value={role}
              options={roles.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
              onChange={(e) => setRole(e.target.value as RoleName)}
              className="sm:max-w-xs"
            />
            <Checkbox
              label="Account Disabled"
              checked={disabled}
              onChange={(e) => setDisabled(e.target.checked)}
            />
          </>
        )}
        <Checkbox label="S/MIME" checked={smime} onChange={(e) => setSmime(e.target.checked)} />
        {failure && <Alert>{failure.message}</Alert>}
        <div>
          <Button type="submit" variant="primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save Account"}
          </Button>
        </div>
      </form>
    </AdminSection>
  );
}

function PasswordForm({ address, onNotice }: { address: string; onNotice(notice: string | null): void }) {
  const trpc = useTRPC();
  const [newPassword, setNewPassword] = useState("");
  const [reenterPassword, setReenterPassword] = useState("");
  const set = useMutation(
    trpc.admin.setPassword.mutationOptions({
      onSuccess: () => {
        setNewPassword("");
        setReenterPassword("");
        onNotice(`A new login password is set for ${address}; its sessions have ended.`);
      },
    }),
  );
  const failure = failureOf(set.error);
  return (
    <AdminSection title="Set Login Password">
      <form
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          onNotice(null);
          set.mutate({ address, newPassword, reenterPassword });
        }}
      >
        <div className="grid gap-3 sm:grid-cols-2">
          <Field
            label="New Login Password"
            type="password"
            autoComplete="new-password"
            value={newPassword}
            onChange={(e) => setNewPassword(e.target.value)}
            error={failure?.fieldErrors?.newPassword?.[0]}
          />
          <Field
            label="Reenter Login Password"
            type="password"
            autoComplete="new-password"
            value={reenterPassword}
            onChange={(e) => setReenterPassword(e.target.value)}
            error={failure?.fieldErrors?.reenterPassword?.[0]}
          />
        </div>
        {failure && !failure.fieldErrors && <Alert>{failure.message}</Alert>}
        <div>
          <Button type="submit" variant="primary" disabled={set.isPending}>
            {set.isPending ? "Setting…" : "Set Password"}
          </Button>
        </div>
      </form>
    </AdminSection>
  );
}

/** The account's Secure Mail key as its certificate describes it (no key material reaches the page). */
function KeyStatus({ address }: { address: string }) {
  const trpc = useTRPC();
  const status = useQuery(trpc.admin.keyStatus.queryOptions({ address }, { staleTime: 0 }));
  const failure = failureOf(status.error);
  const s = status.data;
  return (
    <AdminSection title="Secure Mail Key">
      {status.isPending ? (
        <p className="text-sm">Loading…</p>
      ) : failure || !s ? (
        <Alert>{failure?.message ?? "The key status could not be loaded."}</Alert>
      ) : !s.hasKey ? (
        <p className="text-sm text-slate-700">
          No current key.{s.earlierKeys > 0 ? ` Earlier keys: ${s.earlierKeys}.` : ""}
        </p>
      ) : (
        <DetailList>
          <DetailRow term="Certificate">
            {s.revoked ? (
              <span className="font-medium text-red-800">Revoked by the server CA</span>
            ) : (
              "Not revoked"
            )}
          </DetailRow>
          <DetailRow term="Subject">{s.subject}</DetailRow>
          <DetailRow term="Issuer">{s.issuer}</DetailRow>
          <DetailRow term="Valid">
            {formatWhen(s.notBefore)} – {formatWhen(s.notAfter)}
          </DetailRow>
          <DetailRow term="Key">{s.key}</DetailRow>
          <DetailRow term="Serial number">
            <span className="font-mono text-xs">{s.serial}</span>
          </DetailRow>
          <DetailRow term="SHA-256 fingerprint">
            <span className="font-mono text-xs break-all">{s.certificateSha256}</span>
          </DetailRow>
          <DetailRow term="Earlier keys">{String(s.earlierKeys)}</DetailRow>
        </DetailList>
      )}
    </AdminSection>
  );
}
