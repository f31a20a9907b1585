import { describeCertificate } from "@sealbox/store";
import { z } from "zod";
import { authedProcedure, router } from "../trpc";
import { base64File, fromBase64 } from "./fields";
import { ZCertificateView } from "./outputs";

const id = z.string().min(1).max(100);

export const contactsRouter = router({
  books: authedProcedure.query(async ({ ctx }) => {
    const books = await ctx.store.addressBooks.list(ctx.session.account.id);
    return books.map((b) => ({ id: b.id, name: b.name, selected: b.selected, contacts: b.contacts }));
  }),

  createBook: authedProcedure
    .input(z.object({ name: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const b = await ctx.store.addressBooks.create(ctx.session.account.id, input.name);
      return { id: b.id, name: b.name };
    }),

  /** The current address book: Take Certificate files there. */
  selectBook: authedProcedure.input(z.object({ bookId: id })).mutation(async ({ ctx, input }) => {
    await ctx.store.addressBooks.select(ctx.session.account.id, input.bookId);
    return { ok: true };
  }),

  list: authedProcedure.input(z.object({ bookId: id })).query(async ({ ctx, input }) => {
    const contacts = await ctx.store.contacts.list(ctx.session.account.id, input.bookId);
    return contacts.map((c) => ({
      id: c.id,
      name: c.name,
      email: c.email,
      hasCertificate: c.hasCertificate,
    }));
  }),

  add: authedProcedure
    .input(z.object({ bookId: id, name: z.string().max(200), email: z.string().min(3).max(320) }))
    .mutation(async ({ ctx, input }) => {
      const c = await ctx.store.contacts.add(ctx.session.account.id, input.bookId, {
        name: input.name,
        email: input.email,
      });
      return { id: c.id };
    }),

  update: authedProcedure
    .input(z.object({ contactId: id, name: z.string().max(200), email: z.string().min(3).max(320) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.store.contacts.update(ctx.session.account.id, input.contactId, {
        name: input.name,
        email: input.email,
      });
      return { ok: true };
    }),

  remove: authedProcedure.input(z.object({ contactId: id })).mutation(async ({ ctx, input }) => {
    await ctx.store.contacts.remove(ctx.session.account.id, input.contactId);
    return { ok: true };
  }),

  /** A contact's certificates as a user reads them (subject, address, issuer, validity, fingerprint). */
  certificates: authedProcedure
    .input(z.object({ contactId: id }))
    .output(
      z.array(
        ZCertificateView.extend({
          id: z.string(),
          email: z.string(),
          keyAlgorithm: z.string(),
          keySize: z.number(),
        }),
      ),
    )
    .query(async ({ ctx, input }) => {
      const certs = await ctx.store.contactCertificates.list(ctx.session.account.id, input.contactId);
      return certs.map((c) => ({ id: c.id, email: c.email, ...describeCertificate(c.der) }));
    }),

  /** Import a certificate file (PEM or DER) into a contact. */
  importCertificate: authedProcedure
    .input(z.object({ contactId: id, file: base64File(256 * 1024).min(1, "Choose a certificate file.") }))
    .output(z.object({ added: z.number(), addresses: z.array(z.string()) }))
    .mutation(({ ctx, input }) =>
      ctx.store.contactCertificates.importFile(
        ctx.session.account.id,
        input.contactId,
        fromBase64(input.file),
      ),
    ),

  removeCertificate: authedProcedure
    .input(z.object({ certificateId: id }))
    .mutation(async ({ ctx, input }) => {
      await ctx.store.contactCertificates.remove(ctx.session.account.id, input.certificateId);
      return { ok: true };
    }),
});
