import type { Selectable } from "kysely";
import { type Executor, fromFlag, type StoreContext, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";
import type { AddressBooksTable } from "../schema.js";

export interface AddressBook {
  id: string;
  accountId: string;
  name: string;
  /** The book new contacts (and taken certificates) go to; exactly one per account. */
  selected: boolean;
  createdAt: number;
}

export interface AddressBookWithCount extends AddressBook {
  contacts: number;
}

const toBook = (row: Selectable<AddressBooksTable>): AddressBook => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  selected: fromFlag(row.selected),
  createdAt: row.created_at,
});

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200 || /\p{Cc}/u.test(trimmed))
    throw new StoreError("invalid-argument", "an address book name is 1–200 characters on one line");
  return trimmed;
}

export async function createAddressBook(
  q: Executor,
  accountId: string,
  name: string,
  now: number,
  selected: boolean,
): Promise<AddressBook> {
  if (selected)
    await q.updateTable("address_books").set({ selected: 0 }).where("account_id", "=", accountId).execute();
  const row = {
    id: newId(now),
    account_id: accountId,
    name: checkName(name),
    selected: selected ? 1 : 0,
    created_at: now,
  } as const;
  try {
    await q.insertInto("address_books").values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new StoreError("conflict", `address book "${row.name}" already exists`, { cause: error });
    throw error;
  }
  return toBook(row);
}

export async function ownedBook(q: Executor, accountId: string, bookId: string): Promise<AddressBook> {
  const row = await q
    .selectFrom("address_books")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("id", "=", bookId)
    .executeTakeFirst();
  if (!row) throw new StoreError("not-found", `no address book ${bookId}`);
  return toBook(row);
}

/** The selected book; an account that has none gets a selected "Contacts" book. */
export async function selectedBook(q: Executor, accountId: string, now: number): Promise<AddressBook> {
  const row = await q
    .selectFrom("address_books")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("selected", "=", 1)
    .executeTakeFirst();
  return row ? toBook(row) : createAddressBook(q, accountId, "Contacts", now, true);
}

export function addressBookRepository(ctx: StoreContext) {
  async function listBooks(accountId: string): Promise<AddressBookWithCount[]> {
    const rows = await ctx.db
      .selectFrom("address_books")
      .leftJoin("contacts", "contacts.book_id", "address_books.id")
      .selectAll("address_books")
      .select((eb) => eb.fn.count<number>("contacts.id").as("contacts"))
      .where("address_books.account_id", "=", accountId)
      .groupBy([
        "address_books.id",
        "address_books.account_id",
        "address_books.name",
        "address_books.selected",
        "address_books.created_at",
      ])
      .orderBy("address_books.created_at")
      .orderBy("address_books.id")
      .execute();
    return rows.map((r) => ({ ...toBook(r), contacts: Number(r.contacts) }));
  }

  return {
    /** The account's books; an account left without any gets its selected "Contacts" book back. */
    async list(accountId: string): Promise<AddressBookWithCount[]> {
      const books = await listBooks(accountId);
      if (books.length > 0) return books;
      await write(ctx, (trx) => selectedBook(trx, accountId, ctx.now()));
      return listBooks(accountId);
    },

    create: (accountId: string, name: string, options: { select?: boolean } = {}) =>
      write(ctx, (trx) => createAddressBook(trx, accountId, name, ctx.now(), options.select === true)),

    selected: (accountId: string) => write(ctx, (trx) => selectedBook(trx, accountId, ctx.now())),

    select: (accountId: string, bookId: string) =>
      write(ctx, async (trx) => {
        const book = await ownedBook(trx, accountId, bookId);
        // Unselect first: the partial unique index allows one selected book per account at any moment.
        await trx
          .updateTable("address_books")
          .set({ selected: 0 })
          .where("account_id", "=", accountId)
          .execute();
        await trx.updateTable("address_books").set({ selected: 1 }).where("id", "=", book.id).execute();
        return { ...book, selected: true };
      }),

    rename: (accountId: string, bookId: string, name: string) =>
      write(ctx, async (trx) => {
        const book = await ownedBook(trx, accountId, bookId);
        const newName = checkName(name);
        try {
          await trx.updateTable("address_books").set({ name: newName }).where("id", "=", book.id).execute();
        } catch (error) {
          if (isUniqueViolation(error))
            throw new StoreError("conflict", `address book "${newName}" already exists`, { cause: error });
          throw error;
        }
        return { ...book, name: newName };
      }),

    /** Deletes a book and its contacts; the oldest remaining book becomes selected. The last book stays. */
    remove: (accountId: string, bookId: string) =>
      write(ctx, async (trx) => {
        const book = await ownedBook(trx, accountId, bookId);
        const others = await trx
          .selectFrom("address_books")
          .select("id")
          .where("account_id", "=", accountId)
          .where("id", "!=", book.id)
          .orderBy("created_at")
          .orderBy("id")
          .execute();
        const next = others[0];
        if (!next) throw new StoreError("forbidden", "an account keeps at least one address book");
        await trx.deleteFrom("address_books").where("id", "=", book.id).execute();
        if (book.selected)
          await trx.updateTable("address_books").set({ selected: 1 }).where("id", "=", next.id).execute();
      }),
  };
}

export type AddressBookRepository = ReturnType<typeof addressBookRepository>;
