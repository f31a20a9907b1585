import { AdminHome } from "~/components/admin/AdminHome";
import { AdminPage } from "~/components/admin/AdminPage";
import { adminAccount, NOT_ADMIN_TEXT } from "~/components/admin/admin-session";

export default async function Page() {
  const { account, admin } = await adminAccount();
  if (!account) return null;
  return (
    <AdminPage title="Admin">
      {admin ? <AdminHome /> : <p className="text-sm text-slate-700">{NOT_ADMIN_TEXT}</p>}
    </AdminPage>
  );
}
