/** Words the Admin pages share (labels a form offers, states a list shows). */
export const ROLE_LABELS = {
  user: "User",
  "domain-admin": "Domain Administrator",
  "server-admin": "Server Administrator",
} as const;

export type RoleName = keyof typeof ROLE_LABELS;

/** RFC 5280 §5.3.1 reasons an administrator may give, as a revocation form offers them. */
export const REASON_LABELS: Record<string, string> = {
  keyCompromise: "Key compromise",
  affiliationChanged: "Affiliation changed",
  superseded: "Superseded",
  cessationOfOperation: "Cessation of operation",
  unspecified: "Unspecified",
};

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A date from an ISO string or epoch milliseconds, "—" when absent. */
export function formatWhen(when: string | number | null | undefined): string {
  return when === null || when === undefined || when === "" ? "—" : dateFormat.format(new Date(when));
}

export const domainHref = (domain: string, page = "") =>
  `/admin/domains/${encodeURIComponent(domain)}${page ? `/${page}` : ""}`;

export const accountHref = (address: string) => `/admin/account?address=${encodeURIComponent(address)}`;
