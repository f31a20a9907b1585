import { AdminPage } from "~/components/admin/AdminPage";
import { adminAccount } from "~/components/admin/admin-session";
import { CaAdmin } from "~/components/admin/CaAdmin";

export default async function Page() {
  const { account } = await adminAccount();
  if (!account) return null;
  return (
    <AdminPage title="Server CA">
      {account.role === "server-admin" ? (
        <CaAdmin />
      ) : (
        <p className="text-sm text-slate-700">The server CA is for server administrators.</p>
      )}
    </AdminPage>
  );
}
