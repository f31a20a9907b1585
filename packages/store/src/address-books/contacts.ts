import type { Selectable } from "kysely";
import { parseAddress } from "../accounts/address.js";
import { type Executor, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";
import type { ContactsTable } from "../schema.js";
import { ownedBook } from "./address-books.js";

export interface Contact {
  id: string;
  bookId: string;
  name: string;
  email: string;
  /** The contact has at least one certificate: the [@] marker, and encrypting to them can work. */
  hasCertificate: boolean;
  createdAt: number;
}

export interface ContactInput {
  name?: string;
  email: string;
}

export function checkContactName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length > 200 || /\p{Cc}/u.test(trimmed))
    throw new StoreError("invalid-argument", "a contact name is at most 200 characters on one line");
  return trimmed;
}

type ContactRow = Selectable<ContactsTable> & { certificates: number | string };

const toContact = (row: ContactRow): Contact => ({
  id: row.id,
  bookId: row.book_id,
  name: row.name,
  email: row.email,
  hasCertificate: Number(row.certificates) > 0,
  createdAt: row.created_at,
});

/** Contacts with their certificate count, limited to the account's books. */
export function contactQuery(q: Executor, accountId: string) {
  return q
    .selectFrom("contacts")
    .innerJoin("address_books", "address_books.id", "contacts.book_id")
    .selectAll("contacts")
    .select((eb) =>
      eb
        .selectFrom("contact_certificates")
        .select((s) => s.fn.countAll<number>().as("n"))
        .whereRef("contact_certificates.contact_id", "=", "contacts.id")
        .as("certificates"),
    )
    .where("address_books.account_id", "=", accountId);
}

export async function ownedContact(q: Executor, accountId: string, contactId: string): Promise<Contact> {
  const row = await contactQuery(q, accountId).where("contacts.id", "=", contactId).executeTakeFirst();
  if (!row) throw new StoreError("not-found", `no contact ${contactId}`);
  return toContact(row as ContactRow);
}

export async function insertContact(
  q: Executor,
  bookId: string,
  input: ContactInput,
  now: number,
): Promise<Contact> {
  const email = parseAddress(input.email).address;
  const row = {
    id: newId(now),
    book_id: bookId,
    name: checkContactName(input.name ?? ""),
    email,
    email_lower: email.toLowerCase(),
    created_at: now,
  };
  await q.insertInto("contacts").values(row).execute();
  return toContact({ ...row, certificates: 0 });
}

export function contactRepository(ctx: StoreContext) {
  return {
    /** A book's contacts by name, then address. */
    list: async (accountId: string, bookId: string): Promise<Contact[]> => {
      await ownedBook(ctx.db, accountId, bookId);
      const rows = await contactQuery(ctx.db, accountId)
        .where("contacts.book_id", "=", bookId)
        .orderBy("contacts.name")
        .orderBy("contacts.email_lower")
        .execute();
      return rows.map((r) => toContact(r as ContactRow));
    },

    /** Every contact of the account (any book) with this address. */
    findByEmail: async (accountId: string, email: string): Promise<Contact[]> => {
      const rows = await contactQuery(ctx.db, accountId)
        .where("contacts.email_lower", "=", parseAddress(email).lower)
        .orderBy("contacts.created_at")
        .execute();
      return rows.map((r) => toContact(r as ContactRow));
    },

    get: (accountId: string, contactId: string) => ownedContact(ctx.db, accountId, contactId),

    add: (accountId: string, bookId: string, input: ContactInput) =>
      write(ctx, async (trx) => {
        await ownedBook(trx, accountId, bookId);
        return insertContact(trx, bookId, input, ctx.now());
      }),

    update: (accountId: string, contactId: string, changes: Partial<ContactInput>) =>
      write(ctx, async (trx) => {
        const contact = await ownedContact(trx, accountId, contactId);
        const set: Partial<ContactsTable> = {};
        if (changes.name !== undefined) set.name = checkContactName(changes.name);
        if (changes.email !== undefined) {
          set.email = parseAddress(changes.email).address;
          set.email_lower = set.email.toLowerCase();
        }
        if (Object.keys(set).length > 0)
          await trx.updateTable("contacts").set(set).where("id", "=", contact.id).execute();
        return ownedContact(trx, accountId, contact.id);
      }),

    /** Moves a contact (with its certificates) to another book of the account. */
    move: (accountId: string, contactId: string, bookId: string) =>
      write(ctx, async (trx) => {
        const contact = await ownedContact(trx, accountId, contactId);
        await ownedBook(trx, accountId, bookId);
        await trx.updateTable("contacts").set({ book_id: bookId }).where("id", "=", contact.id).execute();
        return { ...contact, bookId };
      }),

    remove: (accountId: string, contactId: string) =>
      write(ctx, async (trx) => {
        const contact = await ownedContact(trx, accountId, contactId);
        await trx.deleteFrom("contacts").where("id", "=", contact.id).execute();
      }),
  };
}

export type ContactRepository = ReturnType<typeof contactRepository>;
