import type { Selectable } from "kysely";
import { type Executor, type StoreContext, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import type { MailboxesTable } from "../schema.js";
import { forgetOldPages } from "./forget-old-pages.js";
import { countsByMailbox, deleteMessagesWhere } from "./messages.js";

/** What `account add` creates. */
export const STANDARD_MAILBOXES = ["INBOX", "Sent", "Drafts", "Trash"] as const;

export interface Mailbox {
  id: string;
  accountId: string;
  name: string;
  createdAt: number;
}

export interface MailboxWithCounts extends Mailbox {
  total: number;
  unseen: number;
}

const MAX_NAME = 255;

/**
 * A mailbox name in stored form. INBOX is case-insensitive (RFC 3501 §5.1), every other
 * name is kept as given; control characters and surrounding blanks are refused.
 */
export function normalizeMailboxName(name: string): string {
  if (name.toUpperCase() === "INBOX") return "INBOX";
  if (name.length === 0 || name.length > MAX_NAME || name.trim() !== name || /\p{Cc}/u.test(name))
    throw new StoreError(
      "invalid-argument",
      `"${name}" is not a valid mailbox name (1–${MAX_NAME} characters, no control characters or surrounding blanks)`,
    );
  return name;
}

const toMailbox = (row: Selectable<MailboxesTable>): Mailbox => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  createdAt: row.created_at,
});

// Compiled once: every delivered copy looks its mailbox up.
const mailboxByName = hotQuery((db, accountId: string, name: string) =>
  db.selectFrom("mailboxes").selectAll().where("account_id", "=", accountId).where("name", "=", name),
);

export async function findMailbox(
  q: Executor,
  accountId: string,
  name: string,
): Promise<Mailbox | undefined> {
  const [row] = await mailboxByName(q, accountId, normalizeMailboxName(name));
  return row ? toMailbox(row) : undefined;
}

export async function requireMailbox(q: Executor, accountId: string, name: string): Promise<Mailbox> {
  const mailbox = await findMailbox(q, accountId, name);
  if (!mailbox) throw new StoreError("not-found", `no mailbox "${name}"`);
  return mailbox;
}

export async function mailboxById(q: Executor, accountId: string, id: string): Promise<Mailbox> {
  const row = await q
    .selectFrom("mailboxes")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw new StoreError("not-found", `no mailbox with id ${id}`);
  return toMailbox(row);
}

export async function createMailbox(
  q: Executor,
  accountId: string,
  name: string,
  now: number,
): Promise<Mailbox> {
  const row = { id: newId(now), account_id: accountId, name: normalizeMailboxName(name), created_at: now };
  await q.insertInto("mailboxes").values(row).execute();
  return toMailbox(row);
}

/** The mailbox, created if missing (a rule may file into a mailbox the user has not made yet). */
export async function ensureMailbox(
  q: Executor,
  accountId: string,
  name: string,
  now: number,
): Promise<Mailbox> {
  const existing = await findMailbox(q, accountId, name);
  if (existing) return existing;
  await q
    .insertInto("mailboxes")
    .values({ id: newId(now), account_id: accountId, name: normalizeMailboxName(name), created_at: now })
    .onConflict((oc) => oc.columns(["account_id", "name"]).doNothing())
    .execute();
  return requireMailbox(q, accountId, name);
}

function order(a: Mailbox, b: Mailbox): number {
  const rank = (m: Mailbox) => {
    const i = (STANDARD_MAILBOXES as readonly string[]).indexOf(m.name);
    return i === -1 ? STANDARD_MAILBOXES.length : i;
  };
  return rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export function mailboxRepository(ctx: StoreContext) {
  return {
    /** INBOX, Sent, Drafts, Trash, then the rest by name; each with its message and unseen counts. */
    async list(accountId: string): Promise<MailboxWithCounts[]> {
      const boxes = (
        await ctx.db.selectFrom("mailboxes").selectAll().where("account_id", "=", accountId).execute()
      ).map(toMailbox);
      const counts = await countsByMailbox(ctx.db, accountId);
      const byId = new Map(counts.map((c) => [c.mailbox_id, c] as const));
      return boxes.sort(order).map((m) => ({
        ...m,
        total: Number(byId.get(m.id)?.total ?? 0),
        unseen: Number(byId.get(m.id)?.unseen ?? 0),
      }));
    },

    get: (accountId: string, name: string) => findMailbox(ctx.db, accountId, name),
    require: (accountId: string, name: string) => requireMailbox(ctx.db, accountId, name),
    byId: (accountId: string, id: string) => mailboxById(ctx.db, accountId, id),

    create: (accountId: string, name: string): Promise<Mailbox> =>
      write(ctx, async (trx) => {
        if (await findMailbox(trx, accountId, name))
          throw new StoreError("conflict", `mailbox "${normalizeMailboxName(name)}" already exists`);
        return createMailbox(trx, accountId, name, ctx.now());
      }),

    rename: (accountId: string, name: string, newName: string): Promise<Mailbox> =>
      write(ctx, async (trx) => {
        const mailbox = await requireMailbox(trx, accountId, name);
        const target = normalizeMailboxName(newName);
        if (mailbox.name === "INBOX" || target === "INBOX")
          throw new StoreError("forbidden", "INBOX cannot be renamed, and nothing can be renamed to INBOX");
        try {
          await trx.updateTable("mailboxes").set({ name: target }).where("id", "=", mailbox.id).execute();
        } catch (error) {
          if (isUniqueViolation(error))
            throw new StoreError("conflict", `mailbox "${target}" already exists`, { cause: error });
          throw error;
        }
        return { ...mailbox, name: target };
      }),

    /** Deletes a mailbox with its messages and their bytes (INBOX cannot be deleted). */
    remove: async (accountId: string, name: string): Promise<void> => {
      await write(ctx, async (trx) => {
        const mailbox = await requireMailbox(trx, accountId, name);
        if (mailbox.name === "INBOX") throw new StoreError("forbidden", "INBOX cannot be deleted");
        await deleteMessagesWhere(ctx, trx, (q) => q.where("mailbox_id", "=", mailbox.id));
        await trx.deleteFrom("mailboxes").where("id", "=", mailbox.id).execute();
      });
      await forgetOldPages(ctx);
    },
  };
}

export type MailboxRepository = ReturnType<typeof mailboxRepository>;
