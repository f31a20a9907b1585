"use client";

import type { inferRouterOutputs } from "@trpc/server";
import type { ReactNode } from "react";
import type { AppRouter } from "~/server/routers/app";
import { Warning } from "./Warning";

export type SecureMailStatusView = inferRouterOutputs<AppRouter>["secureMail"]["status"];

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export const formatDate = (iso: string | undefined): string => (iso ? dateFormat.format(new Date(iso)) : "—");

function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-0.5 py-2 sm:grid-cols-[10rem_1fr] sm:gap-3">
      <dt className="text-sm font-medium text-slate-600">{term}</dt>
      <dd className="min-w-0 text-sm break-words">{children}</dd>
    </div>
  );
}

/** The current certificate as the original page shows it, then the earlier keys. */
export function CertificateDetails({ status }: { status: SecureMailStatusView }) {
  const emails = status.emails ?? (status.email ? [status.email] : []);
  const days = status.expiresInDays;
  return (
    <section className="flex flex-col gap-3">
      <h2 className="text-base font-semibold">Your key and certificate</h2>
      {status.expiresSoon && days !== null && (
        <Warning>
          {days < 0
            ? `The certificate expired on ${formatDate(status.notAfter)}. Renew Key and Certificate below, or import a new key.`
            : `The certificate expires ${days === 0 ? "today" : `in ${days} day${days === 1 ? "" : "s"}`} (${formatDate(status.notAfter)}). Renew Key and Certificate below, or import a new key, before then.`}
        </Warning>
      )}
      <dl className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white px-4">
        {status.name && <Row term="Name">{status.name}</Row>}
        <Row term="Subject">{status.subject}</Row>
        <Row term={emails.length === 1 ? "E-mail address" : "E-mail addresses"}>
          {emails.length === 0 ? "none" : emails.join(", ")}
        </Row>
        <Row term="Issuer">{status.issuer}</Row>
        <Row term="Valid">
          {formatDate(status.notBefore)} – {formatDate(status.notAfter)}
        </Row>
        <Row term="Key">{status.key}</Row>
        {status.serial && (
          <Row term="Serial number">
            <span className="font-mono text-xs">{status.serial}</span>
          </Row>
        )}
        {status.certificateSha256 && (
          <Row term="SHA-256 fingerprint">
            <span className="font-mono text-xs break-all">{status.certificateSha256}</span>
          </Row>
        )}
      </dl>
      <EarlierKeys earlier={status.earlier ?? []} />
    </section>
  );
}

function EarlierKeys({ earlier }: { earlier: NonNullable<SecureMailStatusView["earlier"]> }) {
  if (earlier.length === 0) return <p className="text-sm text-slate-700">Earlier keys: none</p>;
  return (
    <div className="flex flex-col gap-1">
      <h3 className="text-sm font-semibold">Earlier keys: {earlier.length}</h3>
      <p className="text-xs text-slate-600">Kept so that mail encrypted to them still opens.</p>
      <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white px-4">
        {earlier.map((k) => (
          <li key={k.sha256} className="py-2 text-sm break-words">
            <span className="font-medium">{k.subject}</span>
            {k.email && <span className="text-slate-600"> — {k.email}</span>}
            <span className="block text-xs text-slate-600">Valid until {formatDate(k.notAfter)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
