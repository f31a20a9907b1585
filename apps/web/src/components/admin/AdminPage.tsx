import Link from "next/link";
import type { ReactNode } from "react";
import { domainHref } from "./admin-text";

const DOMAIN_TABS = [
  { page: "", label: "Settings" },
  { page: "accounts", label: "Accounts" },
  { page: "trust-anchors", label: "Trust Anchors" },
  { page: "directory", label: "Directory" },
] as const;

export type DomainTab = (typeof DOMAIN_TABS)[number]["page"];

/**
 * The frame of every Admin page: a way back to the Admin overview, the title, and on a
 * domain's pages the domain's sections (one page each, so each form's labels are unique).
 */
export function AdminPage({
  title,
  domain,
  tab,
  children,
}: {
  title: string;
  /** On a domain's pages: its name and which section is shown. */
  domain?: string;
  tab?: DomainTab;
  children: ReactNode;
}) {
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto flex w-full max-w-4xl flex-col gap-4 p-4 sm:p-6">
        <p className="text-sm">
          <Link href="/admin" className="text-blue-800 underline-offset-2 hover:underline">
            Admin
          </Link>
          {domain && tab !== "" && (
            <>
              {" › "}
              <Link href={domainHref(domain)} className="text-blue-800 underline-offset-2 hover:underline">
                {domain}
              </Link>
            </>
          )}
        </p>
        <h1 className="text-xl font-semibold break-words">{title}</h1>
        {domain !== undefined && (
          <nav aria-label="Domain" className="flex flex-wrap gap-1 border-b border-slate-200">
            {DOMAIN_TABS.map((t) => (
              <Link
                key={t.page}
                href={domainHref(domain, t.page)}
                aria-current={t.page === tab ? "page" : undefined}
                className={`-mb-px border-b-2 px-3 py-1.5 text-sm ${t.page === tab ? "border-blue-700 font-semibold text-blue-900" : "border-transparent text-slate-700 hover:text-slate-900"}`}
              >
                {t.label}
              </Link>
            ))}
            {/* Domain rules are edited in Settings (the same form as an account's own rules). */}
            <Link
              href={`/settings/domain-rules?domain=${encodeURIComponent(domain)}`}
              className="-mb-px border-b-2 border-transparent px-3 py-1.5 text-sm text-slate-700 hover:text-slate-900"
            >
              Domain Rules
            </Link>
          </nav>
        )}
        {children}
      </div>
    </div>
  );
}

/** A term and its value, one row of a details list. */
export function DetailRow({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-0.5 py-2 sm:grid-cols-[11rem_1fr] sm:gap-3">
      <dt className="text-sm font-medium text-slate-600">{term}</dt>
      <dd className="min-w-0 text-sm break-words">{children}</dd>
    </div>
  );
}

export function DetailList({ children }: { children: ReactNode }) {
  return (
    <dl className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white px-4">{children}</dl>
  );
}

/** A titled part of an Admin page. */
export function AdminSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="flex flex-col gap-3">
      <h2 className="text-base font-semibold">{title}</h2>
      {children}
    </section>
  );
}
