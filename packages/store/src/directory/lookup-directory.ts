import { sql } from "kysely";
import type { Executor, StoreContext } from "../context.js";

export interface DirectoryEntry {
  accountId: string;
  address: string;
  realName: string;
  certificate: Uint8Array;
  sha256: string;
  notAfter: number;
}

/**
 * The accounts whose current certificate the directory publishes (joined with their domain
 * and that key): the one rule both looking an address up and listing a domain go by.
 */
export function publishedCertificates(q: Executor) {
  return q
    .selectFrom("accounts")
    .innerJoin("domains", "domains.id", "accounts.domain_id")
    .innerJoin("secure_mail_keys", "secure_mail_keys.account_id", "accounts.id")
    .where("secure_mail_keys.state", "=", "current")
    .where("domains.directory_enabled", "=", 1)
    .where("domains.smime_enabled", "=", 1)
    .where("accounts.smime_enabled", "=", 1)
    .where("accounts.disabled", "=", 0);
}

/**
 * The directory: the published certificate of a local user, found by address (the account
 * address or its From address, case-insensitively). Only the current key's certificate is
 * published, and only while the domain's directory integration and S/MIME are on, the
 * account's S/MIME is on and the account is not disabled — so it disappears the moment the
 * key is removed or any of those is switched off.
 */
export function directoryLookup(ctx: StoreContext) {
  return async function lookupDirectory(address: string): Promise<DirectoryEntry | undefined> {
    const lower = address.trim().toLowerCase();
    const row = await publishedCertificates(ctx.db)
      .select([
        "accounts.id as account_id",
        "accounts.address",
        "accounts.real_name",
        "secure_mail_keys.certificate",
        "secure_mail_keys.certificate_sha256",
        "secure_mail_keys.not_after",
      ])
      .where((eb) => eb.or([eb("accounts.address_lower", "=", lower), eb("accounts.from_lower", "=", lower)]))
      // The account whose own address it is wins over one that merely sends from it.
      .orderBy(sql`case when ${sql.ref("accounts.address_lower")} = ${lower} then 0 else 1 end`)
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      accountId: row.account_id,
      address: row.address,
      realName: row.real_name,
      certificate: row.certificate,
      sha256: row.certificate_sha256,
      notAfter: row.not_after,
    };
  };
}
