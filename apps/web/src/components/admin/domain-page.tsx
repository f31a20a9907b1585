import type { ReactNode } from "react";
import { AdminPage, type DomainTab } from "~/components/admin/AdminPage";
import { adminAccount, NOT_ADMIN_TEXT } from "~/components/admin/admin-session";

/** A domain's Admin page: the frame with the domain's sections, the section for administrators only. */
export async function domainPage(
  params: Promise<{ domain: string }>,
  tab: DomainTab,
  section: (domain: string) => ReactNode,
) {
  const { account, admin } = await adminAccount();
  if (!account) return null;
  const raw = (await params).domain;
  let domain = raw;
  try {
    domain = decodeURIComponent(raw);
  } catch {
    // Not percent-encoded: the segment is the name.
  }
  return (
    <AdminPage title={domain} domain={domain} tab={tab}>
      {admin ? section(domain) : <p className="text-sm text-slate-700">{NOT_ADMIN_TEXT}</p>}
    </AdminPage>
  );
}
