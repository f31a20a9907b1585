import { fullDate } from "./mail-format";
import type { HeadersData } from "./types";

/** Subject as the heading, then From, To, Cc and Date (the innermost headers after decryption). */
export function MessageHeaders({ headers, headingId }: { headers: HeadersData; headingId: string }) {
  const rows: [string, string][] = [
    ["From", headers.from],
    ["To", headers.to],
    ["Cc", headers.cc],
    ["Date", fullDate(headers.date)],
  ];
  return (
    <header className="flex flex-col gap-2">
      <h2 id={headingId} className="text-lg font-semibold [overflow-wrap:anywhere]">
        {headers.subject || "(no subject)"}
      </h2>
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 text-sm">
        {rows
          .filter(([, value]) => value)
          .map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="text-slate-500">{label}:</dt>{" "}
              <dd className="[overflow-wrap:anywhere] text-slate-900">{value}</dd>
            </div>
          ))}
      </dl>
    </header>
  );
}
