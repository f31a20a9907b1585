import type { Account, Store } from "@sealbox/store";
import { z } from "zod";
import { authedProcedure, router, smimeProcedure } from "../trpc";

/** What Settings → General and Compose show (no key material; the account's own settings only). */
const ZAccountSettings = z.object({
  address: z.string(),
  realName: z.string(),
  /** The From setting as typed; "" = the account address. */
  fromAddress: z.string(),
  smimeEnabled: z.boolean(),
  /** Secure Mail settings: empty / false while S/MIME is off for the account or its domain. */
  encryptionMethod: z.string().nullable(),
  allowedCiphers: z.array(z.string()),
  domainDefaultCipher: z.string().nullable(),
  alwaysSign: z.boolean(),
  encryptWhenPossible: z.boolean(),
});

async function settingsView(store: Store, account: Account): Promise<z.infer<typeof ZAccountSettings>> {
  const base = {
    address: account.address,
    realName: account.realName,
    fromAddress: account.fromSetting ?? "",
  };
  if (!account.smimeEnabled)
    return {
      ...base,
      smimeEnabled: false,
      encryptionMethod: null,
      allowedCiphers: [],
      domainDefaultCipher: null,
      alwaysSign: false,
      encryptWhenPossible: false,
    };
  const domain = await store.domains.require(account.domain);
  return {
    ...base,
    smimeEnabled: true,
    encryptionMethod: account.encryptionMethod,
    allowedCiphers: domain.allowedCiphers,
    domainDefaultCipher: domain.defaultCipher,
    alwaysSign: account.alwaysSign,
    encryptWhenPossible: account.encryptWhenPossible,
  };
}

export const settingsRouter = router({
  /** Settings → General and Compose, and the Compose page's defaults for a new message. */
  get: authedProcedure
    .output(ZAccountSettings)
    .query(({ ctx }) => settingsView(ctx.store, ctx.session.account)),

  /** Real Name and From address (the address Send and Generate Key use). */
  setGeneral: authedProcedure
    .input(z.object({ realName: z.string().max(1000), fromAddress: z.string().max(1000) }))
    .output(ZAccountSettings)
    .mutation(async ({ ctx, input }) =>
      settingsView(ctx.store, await ctx.store.accountSettings.general(ctx.session.account.id, input)),
    ),

  /** Encryption Method, Always Sign, Encrypt When Possible: Secure Mail settings, so S/MIME must be on. */
  setCompose: smimeProcedure
    .input(
      z.object({
        encryptionMethod: z.string().min(1, "Choose an encryption method.").max(100),
        alwaysSign: z.boolean(),
        encryptWhenPossible: z.boolean(),
      }),
    )
    .output(ZAccountSettings)
    .mutation(async ({ ctx, input }) =>
      settingsView(ctx.store, await ctx.store.accountSettings.compose(ctx.session.account.id, input)),
    ),

  /**
   * The login password. A wrong current password counts as a failed login (store's login
   * guard); afterwards every other session of the account ends, this one stays.
   */
  changePassword: authedProcedure
    .input(
      z
        .object({
          currentPassword: z.string().min(1, "Enter your current password.").max(1024),
          newPassword: z.string().min(1, "Choose a new password.").max(1024, "Use at most 1024 characters."),
          reenterPassword: z.string().max(1024),
        })
        .refine((v) => v.newPassword === v.reenterPassword, {
          message: "The passwords do not match.",
          path: ["reenterPassword"],
        }),
    )
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.store.accountSettings.changePassword(
        ctx.session.account.id,
        { currentPassword: input.currentPassword, newPassword: input.newPassword },
        { client: ctx.client, keepSessionId: ctx.session.id },
      );
      return { ok: true as const };
    }),
});
