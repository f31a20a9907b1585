import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authedProcedure, router } from "../trpc";
import { base64File, fromBase64 } from "./fields";

const ATTACHMENT_MAX = 25 * 1024 * 1024;

const form = z.object({
  to: z.string().max(20_000).default(""),
  cc: z.string().max(20_000).default(""),
  bcc: z.string().max(20_000).default(""),
  subject: z.string().max(1000).default(""),
  text: z.string().max(10_000_000).default(""),
  attachments: z
    .array(
      z.object({
        filename: z.string().min(1).max(255),
        contentType: z.string().max(255),
        content: base64File(ATTACHMENT_MAX),
      }),
    )
    .max(50)
    .default([]),
  inReplyTo: z.string().max(1000).nullish(),
  references: z.string().max(10_000).nullish(),
});

type Form = z.infer<typeof form>;

const toInput = (f: Form) => ({
  to: f.to,
  cc: f.cc,
  bcc: f.bcc,
  subject: f.subject,
  text: f.text,
  attachments: f.attachments.map((a) => ({
    filename: a.filename,
    contentType: a.contentType,
    content: fromBase64(a.content),
  })),
  ...(f.inReplyTo ? { inReplyTo: f.inReplyTo } : {}),
  ...(f.references ? { references: f.references } : {}),
});

export const composeRouter = router({
  /** Send, Send Signed, Send Encrypted: store's send (Bcc copies apart, Sent copy readable by the sender). */
  send: authedProcedure
    .input(
      form.extend({
        sign: z.boolean().default(false),
        encrypt: z.boolean().default(false),
        draftId: z.string().max(100).nullish(),
      }),
    )
    .output(z.object({ sentId: z.string(), security: z.string(), cipher: z.string().nullable() }))
    .mutation(async ({ ctx, input }) => {
      const account = ctx.session.account;
      const secure = input.sign || input.encrypt;
      // Never quietly send plaintext that was asked to go signed or encrypted.
      if (secure && !account.smimeEnabled)
        throw new TRPCError({
          code: "FORBIDDEN",
          message: "Secure Mail is switched off for this account or its domain: nothing was sent.",
        });
      const result = await ctx.store.composer.send(account.id, toInput(input), {
        sign: input.sign && account.smimeEnabled,
        encrypt: input.encrypt && account.smimeEnabled,
        ...(secure ? { access: { sessionToken: ctx.sessionToken } } : {}),
        ...(input.draftId ? { draftId: input.draftId } : {}),
      });
      return { sentId: result.sentId, security: result.security, cipher: result.cipher };
    }),

  /** Save Draft; a draft marked Send Encrypted is stored encrypted to the sender. */
  saveDraft: authedProcedure
    .input(form.extend({ encrypt: z.boolean().default(false), replaceId: z.string().max(100).nullish() }))
    .output(z.object({ id: z.string(), security: z.string() }))
    .mutation(async ({ ctx, input }) => {
      if (input.encrypt && !ctx.session.account.smimeEnabled)
        throw new TRPCError({
          code: "FORBIDDEN",
          message: "Secure Mail is switched off for this account or its domain: the draft was not saved.",
        });
      const saved = await ctx.store.composer.saveDraft(ctx.session.account.id, toInput(input), {
        encrypt: input.encrypt && ctx.session.account.smimeEnabled,
        ...(input.replaceId ? { replaceId: input.replaceId } : {}),
      });
      return { id: saved.id, security: saved.security };
    }),

  /** For Send Encrypted: who has no usable certificate (address book first, then the directory). */
  recipients: authedProcedure
    .input(z.object({ to: z.string().max(20_000), cc: z.string().max(20_000), bcc: z.string().max(20_000) }))
    .output(
      z.array(
        z.object({
          address: z.string(),
          ok: z.boolean(),
          reason: z.string().nullable(),
          source: z.enum(["address-book", "directory"]).nullable(),
        }),
      ),
    )
    .query(async ({ ctx, input }) => ctx.store.composer.recipientCertificates(ctx.session.account.id, input)),
});
