import { keyDescription } from "@sealbox/store";
import { z } from "zod";
import { authedProcedure, router, smimeProcedure } from "../trpc";
import { base64File, fromBase64, newPasswordPair, secureMailPassword } from "./fields";
import { ZLockState } from "./outputs";

const PFX_MAX = 1024 * 1024;

export const secureMailRouter = router({
  /** The lock panel: is there a key, is it unlocked, until when. Shown on every page. */
  state: authedProcedure.output(ZLockState).query(async ({ ctx }) => {
    const account = ctx.session.account;
    if (!account.smimeEnabled)
      return {
        smimeEnabled: false,
        hasKey: false,
        unlocked: false,
        expiresAt: null,
        lifetimeSeconds: 0,
        now: Date.now(),
      };
    const state = await ctx.store.secureMail.lockState(account.id, ctx.sessionToken);
    return { smimeEnabled: true, ...state, now: Date.now() };
  }),

  unlock: smimeProcedure
    .input(z.object({ password: z.string().min(1).max(1000) }))
    .output(ZLockState.omit({ smimeEnabled: true }))
    .mutation(async ({ ctx, input }) => {
      const state = await ctx.store.secureMail.unlock(
        ctx.session.account.id,
        ctx.sessionToken,
        input.password,
      );
      return { ...state, now: Date.now() };
    }),

  lock: smimeProcedure.mutation(async ({ ctx }) => {
    await ctx.store.secureMail.lock(ctx.session.account.id, ctx.sessionToken);
    return { ok: true };
  }),

  /** Settings → Secure Mail: the certificate as the page shows it (no key material). */
  status: smimeProcedure
    .output(
      z.object({
        hasKey: z.boolean(),
        email: z.string().optional(),
        emails: z.array(z.string()).optional(),
        name: z.string().nullable().optional(),
        subject: z.string().optional(),
        issuer: z.string().optional(),
        serial: z.string().optional(),
        notBefore: z.string().optional(),
        notAfter: z.string().optional(),
        keyAlgorithm: z.string().optional(),
        keySize: z.number().optional(),
        certificateSha256: z.string().optional(),
        earlierKeys: z.number(),
        earlier: z
          .array(
            z.object({ subject: z.string(), email: z.string(), notAfter: z.string(), sha256: z.string() }),
          )
          .optional(),
        key: z.string(),
        expiresInDays: z.number().nullable(),
        expiresSoon: z.boolean(),
      }),
    )
    .query(async ({ ctx }) => {
      const s = await ctx.store.secureMail.status(ctx.session.account.id);
      const expiresInDays = s.notAfter
        ? Math.floor((Date.parse(s.notAfter) - Date.now()) / 86_400_000)
        : null;
      return {
        ...s,
        key: keyDescription(s.keyAlgorithm, s.keySize),
        expiresInDays,
        expiresSoon: expiresInDays !== null && expiresInDays < 30,
      };
    }),

  importPfx: smimeProcedure
    .input(
      z
        .object({ pfx: base64File(PFX_MAX).min(1, "Choose a PFX file."), filePassword: z.string().max(1000) })
        .and(newPasswordPair),
    )
    .mutation(async ({ ctx, input }) => {
      await ctx.store.secureMail.importPfx(
        ctx.session.account.id,
        fromBase64(input.pfx),
        input.filePassword,
        input.newPassword,
      );
      return { ok: true };
    }),

  generate: smimeProcedure.input(newPasswordPair).mutation(async ({ ctx, input }) => {
    await ctx.store.secureMail.generate(ctx.session.account.id, input.newPassword);
    return { ok: true };
  }),

  /**
   * Renew Key and Certificate: a new key from the server CA under the same Secure Mail
   * Password (the old key stays as an earlier key). The session is unlocked again with that
   * password, so the new key is at hand for Re-encrypt Stored Mail.
   */
  renew: smimeProcedure
    .input(z.object({ password: z.string().min(1, "Enter your Secure Mail Password.").max(1000) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.store.secureMail.renew(ctx.session.account.id, input.password);
      await ctx.store.secureMail.unlock(ctx.session.account.id, ctx.sessionToken, input.password);
      return { ok: true };
    }),

  /** Modify Secure Mail Password: the unlocked keys are sealed under the new one. */
  changePassword: smimeProcedure.input(newPasswordPair).mutation(async ({ ctx, input }) => {
    await ctx.store.secureMail.changePassword(
      ctx.session.account.id,
      { sessionToken: ctx.sessionToken },
      input.newPassword,
    );
    return { ok: true };
  }),

  /** Export Key and Certificate: the explicit export, the only way a key leaves (CertAndKey.pfx). */
  exportPfx: smimeProcedure
    .input(
      z
        .object({
          filePassword: z.string().min(1, "Choose a file password.").max(1000),
          verifyPassword: z.string().max(1000),
          legacy: z.boolean().optional(),
        })
        .refine((v) => v.filePassword === v.verifyPassword, {
          message: "The passwords do not match.",
          path: ["verifyPassword"],
        }),
    )
    .output(z.object({ filename: z.literal("CertAndKey.pfx"), pfx: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const pfx = await ctx.store.secureMail.exportPfx(
        ctx.session.account.id,
        { sessionToken: ctx.sessionToken },
        input.filePassword,
        { legacy: input.legacy === true },
      );
      return { filename: "CertAndKey.pfx" as const, pfx: Buffer.from(pfx).toString("base64") };
    }),

  /** Remove Key and Certificate: only when the file proves a copy of the key exists. */
  remove: smimeProcedure
    .input(
      z.object({ pfx: base64File(PFX_MAX).min(1, "Choose a PFX file."), filePassword: z.string().max(1000) }),
    )
    .mutation(async ({ ctx, input }) => {
      await ctx.store.secureMail.remove(ctx.session.account.id, fromBase64(input.pfx), input.filePassword);
      await ctx.store.secureMail.lock(ctx.session.account.id, ctx.sessionToken);
      return { ok: true };
    }),
});

export { secureMailPassword };
