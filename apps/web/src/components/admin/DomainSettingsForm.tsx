"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { Alert, Button, Checkbox, Field, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { SelectField } from "~/components/ui/SelectField";
import type { AppRouter } from "~/server/routers/app";
import { useTRPC } from "~/trpc/client";

type DomainView = inferRouterOutputs<AppRouter>["admin"]["domain"];

/** A domain's settings: S/MIME, directory, unlock lifetime, ciphers, hide subject. */
export function DomainSettingsForm({ domain }: { domain: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.admin.domain.queryOptions({ domain }, { staleTime: 0 }));
  // Kept above the form, which starts again from the stored settings after saving.
  const [notice, setNotice] = useState<string | null>(null);
  const failure = failureOf(query.error);
  if (query.isPending) return <p className="text-sm">Loading…</p>;
  if (failure || !query.data) return <Alert>{failure?.message ?? "The domain could not be loaded."}</Alert>;
  return (
    <SettingsForm key={JSON.stringify(query.data)} view={query.data} notice={notice} onNotice={setNotice} />
  );
}

function SettingsForm({
  view,
  notice,
  onNotice: setNotice,
}: {
  view: DomainView;
  notice: string | null;
  onNotice(notice: string | null): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [smime, setSmime] = useState(view.smimeEnabled);
  const [directory, setDirectory] = useState(view.directoryEnabled);
  const [hideSubject, setHideSubject] = useState(view.hideSubject);
  const [unlockSeconds, setUnlockSeconds] = useState(String(view.unlockSeconds));
  const [allowed, setAllowed] = useState<string[]>(view.allowedCiphers);
  const [defaultCipher, setDefaultCipher] = useState(view.defaultCipher);
  const [secondsError, setSecondsError] = useState<string | undefined>();
  const save = useMutation(
    trpc.admin.setDomain.mutationOptions({
      onSuccess: async (d) => {
        setNotice(`The settings of ${d.name} are saved.`);
        await queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() });
      },
    }),
  );
  const failure = failureOf(save.error);
  const choose = (cipher: string, on: boolean) => {
    const next = view.ciphers.filter((c) => (c === cipher ? on : allowed.includes(c)));
    setAllowed(next);
    // The default must stay among the allowed ones.
    if (!next.includes(defaultCipher) && next[0]) setDefaultCipher(next[0]);
  };
  const sameAllowed =
    allowed.length === view.allowedCiphers.length && allowed.every((c) => view.allowedCiphers.includes(c));
  return (
    <form
      className="flex flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        setNotice(null);
        const seconds = Number(unlockSeconds);
        if (!/^\d+$/.test(unlockSeconds.trim()) || seconds < 1) {
          setSecondsError("Enter a whole number of seconds (at least 1).");
          return;
        }
        setSecondsError(undefined);
        save.mutate({
          domain: view.name,
          smimeEnabled: smime,
          directoryEnabled: directory,
          hideSubject,
          unlockSeconds: seconds,
          defaultCipher,
          ...(sameAllowed ? {} : { allowedCiphers: allowed }),
        });
      }}
    >
      <div className="flex flex-col gap-2">
        <Checkbox label="S/MIME" checked={smime} onChange={(e) => setSmime(e.target.checked)} />
        <p className="-mt-1 ml-6 text-xs text-slate-600">
          Off: no Secure Mail for anyone in the domain (no keys, no signing or encrypting).
        </p>
        <Checkbox label="Directory" checked={directory} onChange={(e) => setDirectory(e.target.checked)} />
        <p className="-mt-1 ml-6 text-xs text-slate-600">
          Publish the accounts&apos; current certificates, so local senders can encrypt to them.
        </p>
        <Checkbox
          label="Hide Subject"
          checked={hideSubject}
          onChange={(e) => setHideSubject(e.target.checked)}
        />
        <p className="-mt-1 ml-6 text-xs text-slate-600">
          Encrypted mail shows “[...]” as its Subject; the real one travels inside the encryption.
        </p>
      </div>
      <Field
        label="Unlock Lifetime (seconds)"
        inputMode="numeric"
        value={unlockSeconds}
        onChange={(e) => setUnlockSeconds(e.target.value)}
        error={secondsError ?? failure?.fieldErrors?.unlockSeconds?.[0]}
        hint="How long an unlocked Secure Mail key stays usable (180 = 3 minutes)."
        className="sm:max-w-xs"
      />
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium text-slate-700">Allowed Ciphers</legend>
        <div className="grid gap-2 sm:grid-cols-3">
          {view.ciphers.map((c) => (
            <Checkbox
              key={c}
              label={c}
              checked={allowed.includes(c)}
              onChange={(e) => choose(c, e.target.checked)}
            />
          ))}
        </div>
        {failure?.fieldErrors?.allowedCiphers?.[0] && (
          <p className="text-sm text-red-700">{failure.fieldErrors.allowedCiphers[0]}</p>
        )}
      </fieldset>
      <SelectField
        label="Default Cipher"
        value={defaultCipher}
        options={allowed.map((c) => ({ value: c, label: c }))}
        onChange={(e) => setDefaultCipher(e.target.value)}
        className="sm:max-w-xs"
      />
      {allowed.length === 0 && <Alert>Allow at least one cipher.</Alert>}
      {failure && !failure.fieldErrors && <Alert>{failure.message}</Alert>}
      {notice && <Notice>{notice}</Notice>}
      <div>
        <Button type="submit" variant="primary" disabled={save.isPending || allowed.length === 0}>
          {save.isPending ? "Saving…" : "Save Domain Settings"}
        </Button>
      </div>
    </form>
  );
}
