import { AccountAdmin } from "~/components/admin/AccountAdmin";
import { AdminPage } from "~/components/admin/AdminPage";
import { adminAccount, NOT_ADMIN_TEXT } from "~/components/admin/admin-session";

type Params = Record<string, string | string[] | undefined>;

/** /admin/account?address=…: one account (the address is a query parameter: it may hold any character). */
export default async function Page({ searchParams }: { searchParams: Promise<Params> }) {
  const { account, admin } = await adminAccount();
  if (!account) return null;
  const asked = (await searchParams).address;
  const address = (Array.isArray(asked) ? asked[0] : asked) ?? "";
  return (
    <AdminPage title={address || "Account"}>
      {!admin ? (
        <p className="text-sm text-slate-700">{NOT_ADMIN_TEXT}</p>
      ) : address ? (
        <AccountAdmin
          key={address}
          address={address}
          self={address.toLowerCase() === account.address.toLowerCase()}
        />
      ) : (
        <p className="text-sm text-slate-700">No account chosen.</p>
      )}
    </AdminPage>
  );
}
