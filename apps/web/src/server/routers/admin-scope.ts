import {
  type Account,
  normalizeDomain,
  parseAddress,
  type SignedInSession,
  type Store,
} from "@sealbox/store";
import { TRPCError } from "@trpc/server";

/**
 * Who may administer what. A server administrator: every domain and account. A domain
 * administrator: their own domain and its accounts only, never a server administrator's
 * account, and never the server-admin role. Checked before anything is looked up, so a
 * refusal says nothing about whether another domain's object exists.
 */
export function isServerAdmin(session: SignedInSession): boolean {
  return session.account.role === "server-admin";
}

function forbidden(message: string): TRPCError {
  return new TRPCError({ code: "FORBIDDEN", message });
}

/** The domain (normalised) if this admin may act on it. */
export function domainInScope(session: SignedInSession, domain: string): string {
  const name = normalizeDomain(domain);
  if (!isServerAdmin(session) && name !== session.account.domain)
    throw forbidden(`You administer ${session.account.domain} only.`);
  return name;
}

/** The account behind an address, if this admin may see it. */
export async function accountInScope(
  store: Store,
  session: SignedInSession,
  address: string,
): Promise<Account> {
  const parsed = parseAddress(address);
  domainInScope(session, parsed.domain);
  return store.accounts.require(parsed.address);
}

/**
 * The account, if this admin may change it: a domain administrator cannot change a server
 * administrator's account (a new password would hand them the server), and nobody changes
 * their own role or disables themselves here (that would lock the last administrator out).
 */
export async function changeableAccount(
  store: Store,
  session: SignedInSession,
  address: string,
  change: { role?: string; disabled?: boolean } = {},
): Promise<Account> {
  const account = await accountInScope(store, session, address);
  if (account.role === "server-admin" && !isServerAdmin(session))
    throw forbidden("Only a server administrator can change a server administrator's account.");
  if (change.role === "server-admin" && !isServerAdmin(session))
    throw forbidden("Only a server administrator can make someone a server administrator.");
  if (
    account.id === session.account.id &&
    (change.disabled === true || (change.role && change.role !== account.role))
  )
    throw forbidden("You cannot disable your own account or change your own role.");
  return account;
}
