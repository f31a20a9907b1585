import { sessionAccount } from "~/components/settings/session-account";
import { isAdminRole } from "~/components/settings/settings-pages";

/**
 * The signed-in account of an Admin page, and whether it may administer at all. The page
 * shows only a sentence to anyone else; every procedure checks again (and scopes a domain
 * administrator to their own domain).
 */
export async function adminAccount() {
  const account = await sessionAccount();
  return { account, admin: account !== null && isAdminRole(account.role) };
}

export const NOT_ADMIN_TEXT = "Administration is for server and domain administrators.";
