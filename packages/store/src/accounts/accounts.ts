import type { CipherName } from "@sealbox/core";
import type { Selectable, Updateable } from "kysely";
import { createAddressBook } from "../address-books/address-books.js";
import { type Executor, fromFlag, type StoreContext, toFlag, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import {
  type Domain,
  domainRows,
  findDomain,
  insertDomain,
  toDomain,
  writableCipher,
} from "../domains/domains.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import { forgetOldPages } from "../mail/forget-old-pages.js";
import { createMailbox, STANDARD_MAILBOXES } from "../mail/mailboxes.js";
import { deleteMessagesWhere } from "../mail/messages.js";
import type { AccountsTable, DomainsTable, Flag, Role } from "../schema.js";
import { endSessionsOf } from "../sessions/sessions.js";
import { parseAddress } from "./address.js";
import { hashPassword } from "./password-hash.js";

export const ROLES: readonly Role[] = ["user", "domain-admin", "server-admin"];

export interface Account {
  id: string;
  address: string;
  domainId: string;
  domain: string;
  realName: string;
  /** The From address setting; null = the account address. */
  fromSetting: string | null;
  /** The address mail is sent from. */
  fromAddress: string;
  /** The Encryption Method setting; null = the domain's default cipher. */
  encryptionMethodSetting: CipherName | null;
  /** What encrypting for this account uses: its setting if the domain still allows it, else the domain default. */
  encryptionMethod: CipherName;
  /** The account's own S/MIME switch. */
  smimeSetting: boolean;
  /** S/MIME as it applies: on only when both the domain and the account allow it. */
  smimeEnabled: boolean;
  /** Compose default: Send Signed starts checked. */
  alwaysSign: boolean;
  /** Compose default: Send Encrypted is checked when every recipient has a certificate. */
  encryptWhenPossible: boolean;
  disabled: boolean;
  role: Role;
  createdAt: number;
}

export interface NewAccount {
  password: string;
  realName?: string;
  role?: Role;
  /** Create the domain with default settings when it does not exist yet (else not-found). */
  createDomain?: boolean;
}

export interface AccountChanges {
  realName?: string;
  /** null = back to the account address. */
  fromAddress?: string | null;
  /** A writable cipher name, or null = the domain's default. */
  encryptionMethod?: string | null;
  smimeEnabled?: boolean;
  alwaysSign?: boolean;
  encryptWhenPossible?: boolean;
  disabled?: boolean;
  role?: Role;
  password?: string;
}

export function toAccount(row: Selectable<AccountsTable>, domainRow: Selectable<DomainsTable>): Account {
  const domain: Domain = toDomain(domainRow);
  const setting = row.encryption_method as CipherName | null;
  return {
    id: row.id,
    address: row.address,
    domainId: row.domain_id,
    domain: domain.name,
    realName: row.real_name,
    fromSetting: row.from_address,
    fromAddress: row.from_address ?? row.address,
    encryptionMethodSetting: setting,
    encryptionMethod: setting && domain.allowedCiphers.includes(setting) ? setting : domain.defaultCipher,
    smimeSetting: fromFlag(row.smime_enabled),
    smimeEnabled: fromFlag(row.smime_enabled) && domain.smimeEnabled,
    alwaysSign: fromFlag(row.always_sign),
    encryptWhenPossible: fromFlag(row.encrypt_when_possible),
    disabled: fromFlag(row.disabled),
    role: row.role,
    createdAt: row.created_at,
  };
}

/** The domain's columns selected beside an account's (one query gives both). */
export const DOMAIN_COLUMNS = [
  "domains.name as d_name",
  "domains.smime_enabled as d_smime_enabled",
  "domains.directory_enabled as d_directory_enabled",
  "domains.unlock_seconds as d_unlock_seconds",
  "domains.allowed_ciphers as d_allowed_ciphers",
  "domains.default_cipher as d_default_cipher",
  "domains.hide_subject_when_encrypting as d_hide_subject_when_encrypting",
  "domains.created_at as d_created_at",
] as const;

type JoinedAccountRow = Selectable<AccountsTable> & {
  d_name: string;
  d_smime_enabled: Flag;
  d_directory_enabled: Flag;
  d_unlock_seconds: number;
  d_allowed_ciphers: string | null;
  d_default_cipher: string;
  d_hide_subject_when_encrypting: Flag;
  d_created_at: number;
};

/** An account from a row of accounts joined with its domain's DOMAIN_COLUMNS. */
export function accountFromJoinedRow(row: JoinedAccountRow): Account {
  return toAccount(row, {
    id: row.domain_id,
    name: row.d_name,
    smime_enabled: row.d_smime_enabled,
    directory_enabled: row.d_directory_enabled,
    unlock_seconds: row.d_unlock_seconds,
    allowed_ciphers: row.d_allowed_ciphers,
    default_cipher: row.d_default_cipher,
    hide_subject_when_encrypting: row.d_hide_subject_when_encrypting,
    created_at: row.d_created_at,
  });
}

const joinedWhere = (column: "address_lower" | "id") =>
  // One query (account and its domain), compiled once: it runs for every signed-in request
  // and several times per delivered message (RCPT TO, MAIL FROM, DATA).
  hotQuery((db, value: string) =>
    db
      .selectFrom("accounts")
      .innerJoin("domains", "domains.id", "accounts.domain_id")
      .selectAll("accounts")
      .select(DOMAIN_COLUMNS)
      .where(`accounts.${column}`, "=", value),
  );
const joinedByAddress = joinedWhere("address_lower");
const joinedById = joinedWhere("id");

async function findWhere(
  q: Executor,
  column: "address_lower" | "id",
  value: string,
): Promise<Account | undefined> {
  const [row] = await (column === "id" ? joinedById : joinedByAddress)(q, value);
  return row ? accountFromJoinedRow(row) : undefined;
}

export async function findAccount(q: Executor, address: string): Promise<Account | undefined> {
  return findWhere(q, "address_lower", parseAddress(address).lower);
}

export async function accountById(q: Executor, id: string): Promise<Account> {
  const account = await findWhere(q, "id", id);
  if (!account) throw new StoreError("not-found", `no account with id ${id}`);
  return account;
}

/** The id of the account with this (lower-case) address, without loading the account. */
export async function accountIdByAddress(q: Executor, addressLower: string): Promise<string | undefined> {
  const row = await q
    .selectFrom("accounts")
    .select("id")
    .where("address_lower", "=", addressLower)
    .executeTakeFirst();
  return row?.id;
}

/** What Log In checks: the account with this (lower-case) address, its password hash and state. */
export async function credentialsByAddress(
  q: Executor,
  addressLower: string,
): Promise<{ id: string; password_hash: string; disabled: Flag } | undefined> {
  return q
    .selectFrom("accounts")
    .select(["id", "password_hash", "disabled"])
    .where("address_lower", "=", addressLower)
    .executeTakeFirst();
}

/**
 * Locks the account's row until the caller's transaction ends (PostgreSQL): per-account
 * counters kept in other tables (wrong Secure Mail Passwords) are then read and written by one
 * transaction at a time. SQLite's single writer already does this.
 */
export async function lockAccountRow(q: Executor, accountId: string): Promise<void> {
  await q.selectFrom("accounts").select("id").where("id", "=", accountId).forUpdate().execute();
}

/** An account's login password hash (changing the password checks the current one). */
export async function passwordHashOf(q: Executor, accountId: string): Promise<string> {
  const row = await q
    .selectFrom("accounts")
    .select("password_hash")
    .where("id", "=", accountId)
    .executeTakeFirst();
  if (!row) throw new StoreError("not-found", `no account with id ${accountId}`);
  return row.password_hash;
}

/** Writes the given columns of one account (the settings use-cases decide what they hold). */
export async function updateAccountRow(
  q: Executor,
  accountId: string,
  columns: Updateable<AccountsTable>,
): Promise<void> {
  if (Object.keys(columns).length === 0) return;
  await q.updateTable("accounts").set(columns).where("id", "=", accountId).execute();
}

/** The domain an account belongs to (its settings: unlock lifetime, hide-subject …). */
export async function domainOfAccount(q: Executor, accountId: string): Promise<Domain> {
  const row = await q
    .selectFrom("accounts")
    .innerJoin("domains", "domains.id", "accounts.domain_id")
    .selectAll("domains")
    .where("accounts.id", "=", accountId)
    .executeTakeFirst();
  if (!row) throw new StoreError("not-found", `no account with id ${accountId}`);
  return toDomain(row);
}

export async function requireAccount(q: Executor, address: string): Promise<Account> {
  const account = await findAccount(q, address);
  if (!account) throw new StoreError("not-found", `no account ${parseAddress(address).address}`);
  return account;
}

function checkRole(role: string): Role {
  if (!ROLES.includes(role as Role))
    throw new StoreError("invalid-argument", `role must be one of ${ROLES.join(", ")} (got "${role}")`);
  return role as Role;
}

export function accountRepository(ctx: StoreContext) {
  return {
    /**
     * Adds an account with INBOX, Sent, Drafts and Trash and a selected "Contacts" address
     * book, in one transaction. The password is hashed before the transaction starts.
     */
    async add(address: string, init: NewAccount): Promise<{ account: Account; domainCreated: boolean }> {
      const parsed = parseAddress(address);
      const role = checkRole(init.role ?? "user");
      const passwordHash = await hashPassword(init.password, ctx.passwordHashing);
      try {
        return await write(ctx, async (trx) => {
          const now = ctx.now();
          let domain = await findDomain(trx, parsed.domain);
          let domainCreated = false;
          if (!domain) {
            if (!init.createDomain)
              throw new StoreError(
                "not-found",
                `no domain ${parsed.domain} (add it first, or ask to create it)`,
              );
            domain = await insertDomain(trx, now, parsed.domain);
            domainCreated = true;
          }
          if (await findAccount(trx, parsed.address))
            throw new StoreError("conflict", `account ${parsed.address} already exists`);
          const id = newId(now);
          await trx
            .insertInto("accounts")
            .values({
              id,
              address: parsed.address,
              address_lower: parsed.lower,
              domain_id: domain.id,
              password_hash: passwordHash,
              real_name: init.realName ?? "",
              from_address: null,
              from_lower: null,
              encryption_method: null,
              role,
              created_at: now,
            })
            .execute();
          for (const name of STANDARD_MAILBOXES) await createMailbox(trx, id, name, now);
          await createAddressBook(trx, id, "Contacts", now, true);
          return { account: await accountById(trx, id), domainCreated };
        });
      } catch (error) {
        if (isUniqueViolation(error))
          throw new StoreError("conflict", `account ${parsed.address} already exists`, { cause: error });
        throw error;
      }
    },

    async set(address: string, changes: AccountChanges): Promise<Account> {
      const passwordHash =
        changes.password !== undefined
          ? await hashPassword(changes.password, ctx.passwordHashing)
          : undefined;
      return write(ctx, async (trx) => {
        const account = await requireAccount(trx, address);
        const columns: Updateable<AccountsTable> = {};
        if (changes.realName !== undefined) {
          if (/[\r\n]/.test(changes.realName)) throw new StoreError("invalid-argument", "a name is one line");
          columns.real_name = changes.realName.trim();
        }
        if (changes.fromAddress !== undefined) {
          const from = changes.fromAddress === null ? null : parseAddress(changes.fromAddress);
          columns.from_address = from?.address ?? null;
          columns.from_lower = from?.lower ?? null;
        }
        if (changes.encryptionMethod !== undefined) {
          if (changes.encryptionMethod === null) columns.encryption_method = null;
          else {
            const cipher = writableCipher(changes.encryptionMethod);
            const domain = (await findDomain(trx, account.domain)) as Domain;
            if (!domain.allowedCiphers.includes(cipher))
              throw new StoreError(
                "invalid-argument",
                `${account.domain} does not allow ${cipher} (allowed: ${domain.allowedCiphers.join(", ")})`,
              );
            columns.encryption_method = cipher;
          }
        }
        if (changes.smimeEnabled !== undefined) columns.smime_enabled = toFlag(changes.smimeEnabled);
        if (changes.alwaysSign !== undefined) columns.always_sign = toFlag(changes.alwaysSign);
        if (changes.encryptWhenPossible !== undefined)
          columns.encrypt_when_possible = toFlag(changes.encryptWhenPossible);
        if (changes.disabled !== undefined) columns.disabled = toFlag(changes.disabled);
        if (changes.role !== undefined) columns.role = checkRole(changes.role);
        if (passwordHash !== undefined) columns.password_hash = passwordHash;
        if (Object.keys(columns).length > 0)
          await trx.updateTable("accounts").set(columns).where("id", "=", account.id).execute();
        // A new login password (set by an administrator or the CLI) or a disabled account ends
        // every session of the account, and with them any unlock: in the same transaction.
        if (passwordHash !== undefined || changes.disabled === true) await endSessionsOf(trx, account.id);
        return accountById(trx, account.id);
      });
    },

    get: (address: string): Promise<Account | undefined> => findAccount(ctx.db, address),
    require: (address: string): Promise<Account> => requireAccount(ctx.db, address),
    byId: (id: string): Promise<Account> => accountById(ctx.db, id),

    /** Every account, or those of one domain, by address. */
    async list(domain?: string): Promise<Account[]> {
      let query = ctx.db.selectFrom("accounts").selectAll().orderBy("address_lower");
      if (domain !== undefined) {
        const found = await findDomain(ctx.db, domain);
        if (!found) throw new StoreError("not-found", `no domain ${domain}`);
        query = query.where("domain_id", "=", found.id);
      }
      const domains = new Map((await domainRows(ctx.db)).map((d) => [d.id, d] as const));
      return (await query.execute()).map((row) =>
        toAccount(row, domains.get(row.domain_id) as Selectable<DomainsTable>),
      );
    },

    /** Deletes an account and everything it owns, message bytes included, in one transaction. */
    remove: async (address: string): Promise<void> => {
      await write(ctx, async (trx) => {
        const account = await requireAccount(trx, address);
        await deleteMessagesWhere(ctx, trx, (q) =>
          q.where(
            "mailbox_id",
            "in",
            trx.selectFrom("mailboxes").select("id").where("account_id", "=", account.id),
          ),
        );
        await trx.deleteFrom("accounts").where("id", "=", account.id).execute();
      });
      await forgetOldPages(ctx);
    },
  };
}

export type AccountRepository = ReturnType<typeof accountRepository>;
