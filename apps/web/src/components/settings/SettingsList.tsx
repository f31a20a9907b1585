import { ChevronRight } from "lucide-react";
import Link from "next/link";
import { isAdminRole, SETTINGS_PAGES, SMIME_OFF_TEXT } from "./settings-pages";

/** The settings pages this account can use (server-rendered: a list of links, no script needed). */
export function SettingsList({ smimeEnabled, role }: { smimeEnabled: boolean; role: string }) {
  const pages = SETTINGS_PAGES.filter(
    (p) => (p.needs !== "smime" || smimeEnabled) && (p.needs !== "admin" || isAdminRole(role)),
  );
  return (
    <div className="flex flex-col gap-3">
      {pages.length > 0 && (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
          {pages.map((p) => (
            <li key={p.href} className="flex items-center gap-3 px-4 py-3">
              <div className="min-w-0 flex-1">
                <Link
                  href={p.href}
                  aria-describedby={`about-${p.id}`}
                  className="font-medium text-blue-800 underline-offset-2 hover:underline"
                >
                  {p.label}
                </Link>
                <p id={`about-${p.id}`} className="text-sm text-slate-600">
                  {p.description}
                </p>
              </div>
              <ChevronRight aria-hidden className="h-4 w-4 shrink-0 text-slate-400" />
            </li>
          ))}
        </ul>
      )}
      {!smimeEnabled && <p className="text-sm text-slate-700">{SMIME_OFF_TEXT}</p>}
    </div>
  );
}
