import { type Certificate, type Identity, parseCertificate, unsealPrivateKey } from "@sealbox/core";
import type { Selectable } from "kysely";
import type { Executor } from "../context.js";
import { splitDer } from "../der-list.js";
import type { SecureMailKeysTable } from "../schema.js";

export type KeyRow = Selectable<SecureMailKeysTable>;

/** Current key first, then earlier keys newest first: the order decryption tries them. */
export async function keyRows(q: Executor, accountId: string): Promise<KeyRow[]> {
  const rows = await q
    .selectFrom("secure_mail_keys")
    .selectAll()
    .where("account_id", "=", accountId)
    .execute();
  return sortKeyRows(rows);
}

export function sortKeyRows<T extends Pick<KeyRow, "state" | "created_at">>(rows: T[]): T[] {
  return rows.sort((a, b) =>
    a.state === b.state ? b.created_at - a.created_at : a.state === "current" ? -1 : 1,
  );
}

export function rowCertificate(row: Pick<KeyRow, "certificate">): Certificate {
  return parseCertificate(row.certificate);
}

export function rowChain(row: Pick<KeyRow, "chain">): Certificate[] {
  return splitDer(row.chain).map((der) => parseCertificate(der));
}

/** Unseals one row; throws core's wrong-password CoreError on a bad password. */
export function rowIdentity(row: KeyRow, password: string): Identity {
  return {
    privateKey: unsealPrivateKey(row.sealed_key, password),
    certificate: rowCertificate(row),
    chain: rowChain(row),
  };
}
