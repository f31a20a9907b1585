import type { StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { mailboxById } from "./mailboxes.js";
import { listingRows, type MessageSummary, toSummary } from "./messages.js";

export interface PageOptions {
  /** 1–1000; default 50. */
  limit?: number;
  /** From a previous page's nextCursor: continue after that message. */
  cursor?: string | null;
  /** Case-insensitive substring of the subject and/or the sender. */
  search?: { text: string; in?: "subject" | "from" | "both" };
}

export interface MessagePage {
  messages: MessageSummary[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Keyset cursor: the (date, id) of the last message shown. Unlike an offset it stays
 * correct while mail arrives or is deleted, and every page is one index range scan on
 * messages_listing (mailbox_id, date desc, id desc) however deep it is.
 */
export function encodeCursor(date: number, id: string): string {
  return Buffer.from(`${date}|${id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { date: number; id: string } {
  const text = Buffer.from(cursor, "base64url").toString();
  const m = /^(-?\d{1,16})\|([0-9a-f-]{36})$/.exec(text);
  if (!m) throw new StoreError("invalid-argument", "not a message list cursor");
  return { date: Number(m[1]), id: m[2] as string };
}

/** `%`, `_` and the escape character itself match literally. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

export function messagePager(ctx: StoreContext) {
  /** A page of a mailbox, newest first (by date, then id), optionally filtered by a search. */
  return async function listMessages(
    accountId: string,
    mailboxId: string,
    options: PageOptions = {},
  ): Promise<MessagePage> {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new StoreError("invalid-argument", "page size must be 1–1000");
    await mailboxById(ctx.db, accountId, mailboxId);
    const search = options.search;
    const text = search?.text.trim() ?? "";
    const rows = await listingRows(ctx.db, mailboxId, {
      limit,
      ...(options.cursor ? { after: decodeCursor(options.cursor) } : {}),
      ...(text !== "" ? { pattern: { like: likePattern(text), in: search?.in ?? "both" } } : {}),
    });
    const page = rows.slice(0, limit).map(toSummary);
    const last = page[page.length - 1];
    return {
      messages: page,
      nextCursor: rows.length > limit && last ? encodeCursor(last.date, last.id) : null,
    };
  };
}
