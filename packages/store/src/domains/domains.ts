import { type CipherName, cipherByName, WRITABLE_CIPHERS } from "@sealbox/core";
import type { Selectable, Updateable } from "kysely";
import { type Executor, fromFlag, type StoreContext, toFlag, write } from "../context.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import type { DomainsTable } from "../schema.js";
import { normalizeDomain } from "./domain-name.js";

export interface Domain {
  id: string;
  name: string;
  smimeEnabled: boolean;
  /** Publish local users' current certificates in the directory. */
  directoryEnabled: boolean;
  /** How long an unlocked Secure Mail key stays usable. */
  unlockSeconds: number;
  allowedCiphers: CipherName[];
  defaultCipher: CipherName;
  hideSubjectWhenEncrypting: boolean;
  createdAt: number;
}

export interface DomainSettings {
  smimeEnabled?: boolean;
  directoryEnabled?: boolean;
  unlockSeconds?: number;
  /** null = every writable cipher except legacy 3DES. */
  allowedCiphers?: readonly string[] | null;
  defaultCipher?: string;
  hideSubjectWhenEncrypting?: boolean;
}

/** Writable, non-legacy ciphers: what a domain allows unless told otherwise. */
export const DEFAULT_ALLOWED_CIPHERS: readonly CipherName[] = WRITABLE_CIPHERS.filter(
  (name) => !cipherByName(name)?.legacy,
);

const MAX_UNLOCK_SECONDS = 7 * 24 * 3600;

/** A cipher name users may pick for writing, in its canonical spelling. */
export function writableCipher(name: string): CipherName {
  const info = cipherByName(name);
  if (!info || !WRITABLE_CIPHERS.includes(info.name))
    throw new StoreError(
      "invalid-argument",
      `"${name}" is not a cipher Sealbox encrypts with (choose one of ${WRITABLE_CIPHERS.join(", ")})`,
    );
  return info.name;
}

export function toDomain(row: Selectable<DomainsTable>): Domain {
  const allowed = row.allowed_ciphers
    ? (JSON.parse(row.allowed_ciphers) as CipherName[])
    : [...DEFAULT_ALLOWED_CIPHERS];
  return {
    id: row.id,
    name: row.name,
    smimeEnabled: fromFlag(row.smime_enabled),
    directoryEnabled: fromFlag(row.directory_enabled),
    unlockSeconds: row.unlock_seconds,
    allowedCiphers: allowed,
    defaultCipher: row.default_cipher as CipherName,
    hideSubjectWhenEncrypting: fromFlag(row.hide_subject_when_encrypting),
    createdAt: row.created_at,
  };
}

/** Validates settings against each other and the current row; returns the columns to write. */
function settingsToColumns(settings: DomainSettings, current: Domain | undefined): Updateable<DomainsTable> {
  const columns: Updateable<DomainsTable> = {};
  if (settings.smimeEnabled !== undefined) columns.smime_enabled = toFlag(settings.smimeEnabled);
  if (settings.directoryEnabled !== undefined) columns.directory_enabled = toFlag(settings.directoryEnabled);
  if (settings.hideSubjectWhenEncrypting !== undefined)
    columns.hide_subject_when_encrypting = toFlag(settings.hideSubjectWhenEncrypting);
  if (settings.unlockSeconds !== undefined) {
    const s = settings.unlockSeconds;
    if (!Number.isInteger(s) || s < 1 || s > MAX_UNLOCK_SECONDS)
      throw new StoreError(
        "invalid-argument",
        `unlock seconds must be a whole number from 1 to ${MAX_UNLOCK_SECONDS}`,
      );
    columns.unlock_seconds = s;
  }
  let allowed = current?.allowedCiphers ?? [...DEFAULT_ALLOWED_CIPHERS];
  if (settings.allowedCiphers !== undefined) {
    if (settings.allowedCiphers === null) {
      allowed = [...DEFAULT_ALLOWED_CIPHERS];
      columns.allowed_ciphers = null;
    } else {
      allowed = [...new Set(settings.allowedCiphers.map(writableCipher))];
      if (allowed.length === 0)
        throw new StoreError("invalid-argument", "a domain must allow at least one cipher");
      columns.allowed_ciphers = JSON.stringify(allowed);
    }
  }
  const defaultCipher = settings.defaultCipher
    ? writableCipher(settings.defaultCipher)
    : (current?.defaultCipher ?? "AES-256-CBC");
  if (!allowed.includes(defaultCipher))
    throw new StoreError(
      "invalid-argument",
      `the default cipher ${defaultCipher} is not among the domain's allowed ciphers (${allowed.join(", ")})`,
    );
  if (settings.defaultCipher) columns.default_cipher = defaultCipher;
  return columns;
}

// Compiled once: every MAIL FROM and RCPT TO looks a domain up.
const domainByName = hotQuery((db, name: string) =>
  db.selectFrom("domains").selectAll().where("name", "=", name),
);

/** Every domain's row (the account listing pairs each account with its domain). */
export function domainRows(q: Executor): Promise<Array<Selectable<DomainsTable>>> {
  return q.selectFrom("domains").selectAll().execute();
}

export async function findDomain(q: Executor, name: string): Promise<Domain | undefined> {
  const [row] = await domainByName(q, normalizeDomain(name));
  return row ? toDomain(row) : undefined;
}

export async function domainById(q: Executor, id: string): Promise<Domain> {
  const row = await q.selectFrom("domains").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new StoreError("not-found", `no domain with id ${id}`);
  return toDomain(row);
}

export async function insertDomain(
  q: Executor,
  now: number,
  name: string,
  settings: DomainSettings = {},
): Promise<Domain> {
  const normalized = normalizeDomain(name);
  if (await findDomain(q, normalized))
    throw new StoreError("conflict", `domain ${normalized} already exists`);
  const columns = settingsToColumns(settings, undefined);
  await q
    .insertInto("domains")
    .values({
      ...columns,
      id: newId(now),
      name: normalized,
      allowed_ciphers: columns.allowed_ciphers ?? null,
      created_at: now,
    })
    .execute();
  return (await findDomain(q, normalized)) as Domain;
}

export function domainRepository(ctx: StoreContext) {
  return {
    /** Adds a domain (S/MIME and directory on, 180 s unlock, AES-256-CBC unless given). */
    add: (name: string, settings: DomainSettings = {}): Promise<Domain> =>
      write(ctx, (trx) => insertDomain(trx, ctx.now(), name, settings)),

    /** Changes some settings; the rest stay. */
    set: (name: string, settings: DomainSettings): Promise<Domain> =>
      write(ctx, async (trx) => {
        const current = await findDomain(trx, name);
        if (!current) throw new StoreError("not-found", `no domain ${normalizeDomain(name)}`);
        const columns = settingsToColumns(settings, current);
        if (Object.keys(columns).length > 0)
          await trx.updateTable("domains").set(columns).where("id", "=", current.id).execute();
        return (await findDomain(trx, current.name)) as Domain;
      }),

    get: (name: string): Promise<Domain | undefined> => findDomain(ctx.db, name),

    require: async (name: string): Promise<Domain> => {
      const domain = await findDomain(ctx.db, name);
      if (!domain) throw new StoreError("not-found", `no domain ${normalizeDomain(name)}`);
      return domain;
    },

    list: async (): Promise<Domain[]> =>
      (await ctx.db.selectFrom("domains").selectAll().orderBy("name").execute()).map(toDomain),
  };
}

export type DomainRepository = ReturnType<typeof domainRepository>;
