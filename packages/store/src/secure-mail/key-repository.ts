import { type Certificate, type Identity, parseCertificate, unsealPrivateKey } from "@sealbox/core";
import { type Selectable, sql } from "kysely";
import type { Executor } from "../context.js";
import { joinDer, splitDer } from "../der-list.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import type { Flag, SecureMailKeysTable } from "../schema.js";

/**
 * Every query on secure_mail_keys lives here (the Secure Mail use-cases, Store Encrypted, the
 * server CA, unlock sessions and the directory call it), so "the current key of an account" is
 * one rule: the row in state `current`, at most one per account.
 */

export type KeyRow = Selectable<SecureMailKeysTable>;

/** The current key rows (one per account that has a key). */
function currentKeys(q: Executor) {
  return q.selectFrom("secure_mail_keys").where("secure_mail_keys.state", "=", "current");
}

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

/**
 * Makes a key the account's current one, in the caller's transaction. The current key it
 * replaces becomes an earlier key (returned, so the caller can revoke what the server CA
 * issued); the same certificate again changes nothing; an earlier key coming back becomes
 * current and is not kept twice.
 */
export async function installKey(
  q: Executor,
  accountId: string,
  identity: Pick<Identity, "certificate" | "chain">,
  sealed: Uint8Array,
  now: number,
): Promise<{ changed: boolean; superseded?: string }> {
  const old = await currentKeys(q)
    .select(["id", "certificate_sha256"])
    .where("account_id", "=", accountId)
    .executeTakeFirst();
  if (old?.certificate_sha256 === identity.certificate.sha256) return { changed: false };
  await q
    .deleteFrom("secure_mail_keys")
    .where("account_id", "=", accountId)
    .where("state", "=", "earlier")
    .where("certificate_sha256", "=", identity.certificate.sha256)
    .execute();
  if (old)
    await q.updateTable("secure_mail_keys").set({ state: "earlier" }).where("id", "=", old.id).execute();
  await q
    .insertInto("secure_mail_keys")
    .values({
      id: newId(now),
      account_id: accountId,
      certificate: identity.certificate.der,
      certificate_sha256: identity.certificate.sha256,
      chain: joinDer(identity.chain.map((c) => c.der)),
      sealed_key: sealed,
      state: "current",
      not_after: identity.certificate.notAfter.getTime(),
      created_at: now,
    })
    .execute();
  return old ? { changed: true, superseded: old.certificate_sha256 } : { changed: true };
}

/** Writes re-sealed keys (a password change), in the caller's transaction. */
export async function resealKeys(
  q: Executor,
  keys: ReadonlyArray<{ id: string; sealed: Uint8Array }>,
): Promise<void> {
  for (const key of keys)
    await q
      .updateTable("secure_mail_keys")
      .set({ sealed_key: key.sealed })
      .where("id", "=", key.id)
      .execute();
}

export async function deleteKey(q: Executor, id: string): Promise<void> {
  await q.deleteFrom("secure_mail_keys").where("id", "=", id).execute();
}

/** Whether the account has any key, current or earlier. */
export async function hasAnyKey(q: Executor, accountId: string): Promise<boolean> {
  const row = await q
    .selectFrom("secure_mail_keys")
    .select("id")
    .where("account_id", "=", accountId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * What Store Encrypted needs for one delivery, in one query (it runs per copy): the account's
 * current certificate and whether its domain hides the Subject when encrypting.
 */
export async function currentKeyForEncryption(
  q: Executor,
  accountId: string,
): Promise<{ certificate: Uint8Array; sha256: string; hideSubject: Flag } | undefined> {
  const [row] = await currentKeyForEncryptionQuery(q, accountId);
  return row;
}

// Compiled once: every Store Encrypted copy asks.
const currentKeyForEncryptionQuery = hotQuery((db, accountId: string) =>
  currentKeys(db)
    .innerJoin("accounts", "accounts.id", "secure_mail_keys.account_id")
    .innerJoin("domains", "domains.id", "accounts.domain_id")
    .select([
      "secure_mail_keys.certificate",
      "secure_mail_keys.certificate_sha256 as sha256",
      "domains.hide_subject_when_encrypting as hideSubject",
    ])
    .where("secure_mail_keys.account_id", "=", accountId)
    .limit(1),
);

/** The SHA-256 of the current certificate of the account with this (lower-case) address. */
export async function currentCertificateSha256ByAddress(
  q: Executor,
  addressLower: string,
): Promise<string | undefined> {
  const row = await currentKeys(q)
    .innerJoin("accounts", "accounts.id", "secure_mail_keys.account_id")
    .select("secure_mail_keys.certificate_sha256")
    .where("accounts.address_lower", "=", addressLower)
    .executeTakeFirst();
  return row?.certificate_sha256;
}

/** A certificate the directory publishes, beside its account. */
export interface PublishedKeyRow {
  accountId: string;
  address: string;
  fromAddress: string | null;
  realName: string;
  certificate: Uint8Array;
  sha256: string;
  notAfter: number;
}

/**
 * The accounts whose current certificate the directory publishes (joined with their domain
 * and that key): the one rule both looking an address up and listing a domain go by.
 */
function publishedKeys(q: Executor) {
  return currentKeys(q)
    .innerJoin("accounts", "accounts.id", "secure_mail_keys.account_id")
    .innerJoin("domains", "domains.id", "accounts.domain_id")
    .where("domains.directory_enabled", "=", 1)
    .where("domains.smime_enabled", "=", 1)
    .where("accounts.smime_enabled", "=", 1)
    .where("accounts.disabled", "=", 0)
    .select([
      "accounts.id as accountId",
      "accounts.address",
      "accounts.from_address as fromAddress",
      "accounts.real_name as realName",
      "secure_mail_keys.certificate",
      "secure_mail_keys.certificate_sha256 as sha256",
      "secure_mail_keys.not_after as notAfter",
    ]);
}

/** The published certificate for an address (the account's own, or its From address). */
export async function publishedKeyByAddress(
  q: Executor,
  addressLower: string,
): Promise<PublishedKeyRow | undefined> {
  return (
    publishedKeys(q)
      .where((eb) =>
        eb.or([
          eb("accounts.address_lower", "=", addressLower),
          eb("accounts.from_lower", "=", addressLower),
        ]),
      )
      // The account whose own address it is wins over one that merely sends from it.
      .orderBy(sql`case when ${sql.ref("accounts.address_lower")} = ${addressLower} then 0 else 1 end`)
      .limit(1)
      .executeTakeFirst()
  );
}

/** The published certificates of a domain's accounts, by address. */
export async function publishedKeysOfDomain(q: Executor, domainId: string): Promise<PublishedKeyRow[]> {
  return publishedKeys(q)
    .where("accounts.domain_id", "=", domainId)
    .orderBy("accounts.address_lower")
    .execute();
}

/**
 * One query for an unlocked session (each request asks): the session's wrapped blob and
 * expiry beside the public parts of every key of the account, without the password-sealed
 * keys (the session's wrapped copy is what opens them). Empty when there is no such unlock.
 */
const keysBesideUnlockQuery = hotQuery((db, accountId: string, sessionId: string) =>
  db
    .selectFrom("unlock_sessions")
    .innerJoin("secure_mail_keys", "secure_mail_keys.account_id", "unlock_sessions.account_id")
    .select([
      "secure_mail_keys.certificate_sha256",
      "secure_mail_keys.certificate",
      "secure_mail_keys.chain",
      "secure_mail_keys.state",
      "secure_mail_keys.created_at",
    ])
    .select(["unlock_sessions.wrapped as u_wrapped", "unlock_sessions.expires_at as u_expires_at"])
    .where("unlock_sessions.id", "=", sessionId)
    .where("unlock_sessions.account_id", "=", accountId),
);

export function keysBesideUnlock(q: Executor, accountId: string, sessionId: string) {
  return keysBesideUnlockQuery(q, accountId, sessionId);
}
