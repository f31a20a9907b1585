"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/client";

export default function Home() {
  const trpc = useTRPC();
  const info = useQuery(trpc.system.info.queryOptions());
  return (
    <main>
      <h1>Sealbox</h1>
      <p>
        Secure Mail (S/MIME) server. This page shows the server&apos;s state; the webmail screens come next.
        Manage accounts, keys and mail with <code>./bin/sealbox</code> (see the README).
      </p>
      {info.isPending && <p>Connecting to the store…</p>}
      {info.isError && <p role="alert">The store is not reachable: {info.error.message}</p>}
      {info.data && (
        <dl data-testid="system-info">
          <dt>Version</dt>
          <dd>{info.data.version}</dd>
          <dt>Store</dt>
          <dd data-testid="store-kind">{info.data.store}</dd>
          <dt>Schema version</dt>
          <dd data-testid="schema-version">{info.data.schemaVersion}</dd>
        </dl>
      )}
    </main>
  );
}
