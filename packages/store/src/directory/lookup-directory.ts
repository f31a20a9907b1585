import type { StoreContext } from "../context.js";
import { publishedKeyByAddress } from "../secure-mail/key-repository.js";

export interface DirectoryEntry {
  accountId: string;
  address: string;
  realName: string;
  certificate: Uint8Array;
  sha256: string;
  notAfter: number;
}

/**
 * The directory: the published certificate of a local user, found by address (the account
 * address or its From address, case-insensitively). Only the current key's certificate is
 * published, and only while the domain's directory integration and S/MIME are on, the
 * account's S/MIME is on and the account is not disabled — so it disappears the moment the
 * key is removed or any of those is switched off (the rule is the key repository's
 * publishedKeys, which listing a domain goes by too).
 */
export function directoryLookup(ctx: StoreContext) {
  return async function lookupDirectory(address: string): Promise<DirectoryEntry | undefined> {
    const row = await publishedKeyByAddress(ctx.db, address.trim().toLowerCase());
    if (!row) return undefined;
    return {
      accountId: row.accountId,
      address: row.address,
      realName: row.realName,
      certificate: row.certificate,
      sha256: row.sha256,
      notAfter: row.notAfter,
    };
  };
}
