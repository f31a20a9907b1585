import { z } from "zod";
import { authedProcedure, router, smimeProcedure } from "../trpc";
import { ZMessageView, ZSummary, ZTakeCertificate } from "./outputs";

const id = z.string().min(1).max(100);

const summary = ZSummary;

const pick = (m: z.infer<typeof summary>) => ({
  id: m.id,
  mailboxId: m.mailboxId,
  from: m.from,
  to: m.to,
  subject: m.subject,
  date: m.date,
  size: m.size,
  flags: m.flags,
  security: m.security,
  cipher: m.cipher,
});

export const mailRouter = router({
  mailboxes: authedProcedure
    .output(z.array(z.object({ id: z.string(), name: z.string(), total: z.number(), unseen: z.number() })))
    .query(async ({ ctx }) =>
      (await ctx.store.mailboxes.list(ctx.session.account.id)).map((m) => ({
        id: m.id,
        name: m.name,
        total: m.total,
        unseen: m.unseen,
      })),
    ),

  createMailbox: authedProcedure
    .input(z.object({ name: z.string().min(1).max(255) }))
    .mutation(async ({ ctx, input }) => {
      const m = await ctx.store.mailboxes.create(ctx.session.account.id, input.name);
      return { id: m.id, name: m.name };
    }),

  /** A page of a mailbox, newest first, with a keyset cursor; optionally a search. */
  list: authedProcedure
    .input(
      z.object({
        mailboxId: id,
        cursor: z.string().max(200).nullish(),
        search: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
    )
    .output(z.object({ messages: z.array(summary), nextCursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const page = await ctx.store.listMessages(ctx.session.account.id, input.mailboxId, {
        limit: input.limit ?? 50,
        ...(input.cursor ? { cursor: input.cursor } : {}),
        ...(input.search?.trim() ? { search: { text: input.search } } : {}),
      });
      return { messages: page.messages.map(pick), nextCursor: page.nextCursor };
    }),

  /**
   * The message as the reader sees it; encrypted content only with this session's unlock.
   * A query changes nothing (the page marks the message read with setSeen).
   */
  read: authedProcedure
    .input(z.object({ messageId: id }))
    .output(ZMessageView)
    .query(async ({ ctx, input }) => {
      const view = await ctx.store.reading.read(ctx.session.account.id, input.messageId, {
        ...(ctx.session.account.smimeEnabled ? { access: { sessionToken: ctx.sessionToken } } : {}),
        domain: ctx.session.account.domain,
      });
      return { ...view, summary: pick(view.summary) };
    }),

  setSeen: authedProcedure
    .input(z.object({ messageId: id, seen: z.boolean() }))
    .mutation(async ({ ctx, input }) =>
      pick(await ctx.store.messages.setFlags(ctx.session.account.id, input.messageId, { seen: input.seen })),
    ),

  move: authedProcedure
    .input(z.object({ messageId: id, mailboxId: id }))
    .mutation(async ({ ctx, input }) =>
      pick(await ctx.store.messages.move(ctx.session.account.id, input.messageId, input.mailboxId)),
    ),

  /** Delete: to Trash; from Trash, for good. */
  delete: authedProcedure
    .input(z.object({ messageId: id }))
    .mutation(({ ctx, input }) => ctx.store.messages.trash(ctx.session.account.id, input.messageId)),

  /** Decrypt: the plaintext replaces the encrypted original (store's decrypt-in-place). */
  decrypt: smimeProcedure.input(z.object({ messageId: id })).mutation(async ({ ctx, input }) =>
    pick(
      await ctx.store.messageCrypto.decryptInPlace(ctx.session.account.id, input.messageId, {
        sessionToken: ctx.sessionToken,
      }),
    ),
  ),

  /** Encrypt: the message is replaced by itself encrypted to the account's own certificate. */
  encrypt: smimeProcedure.input(z.object({ messageId: id })).mutation(async ({ ctx, input }) =>
    pick(
      await ctx.store.messageCrypto.encryptInPlace(ctx.session.account.id, input.messageId, {
        sessionToken: ctx.sessionToken,
      }),
    ),
  ),

  /** Take Certificate: the signer into the selected address book (confirm replaces a different one). */
  takeCertificate: smimeProcedure
    .input(
      z.object({
        messageId: id,
        layer: z.number().int().min(0).max(16),
        signer: z.number().int().min(0).max(64),
        confirm: z.boolean().optional(),
      }),
    )
    .output(ZTakeCertificate)
    .mutation(async ({ ctx, input }) => {
      return ctx.store.reading.takeCertificate(
        ctx.session.account.id,
        input.messageId,
        { layer: input.layer, index: input.signer },
        { access: { sessionToken: ctx.sessionToken }, ...(input.confirm ? { confirm: true } : {}) },
      );
    }),
});
