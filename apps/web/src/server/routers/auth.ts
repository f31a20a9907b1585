import { loginRefusal } from "@sealbox/store/words";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { clearedSessionCookie, sessionCookie } from "../session-cookie";
import { authedProcedure, publicProcedure, router } from "../trpc";

export const authRouter = router({
  /** Log In: the login guard (per account and per client address) runs inside store.login. */
  login: publicProcedure
    .input(z.object({ account: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.store.login(input.account, input.password, { client: ctx.client });
      if (!result.ok) {
        const message = loginRefusal(result);
        if (result.reason === "rate-limited") throw new TRPCError({ code: "TOO_MANY_REQUESTS", message });
        if (result.reason === "disabled") throw new TRPCError({ code: "FORBIDDEN", message });
        throw new TRPCError({ code: "UNAUTHORIZED", message });
      }
      // A previous session in this browser ends (and with it any unlock).
      if (ctx.sessionToken) await ctx.store.sessions.end(ctx.sessionToken);
      const { token } = await ctx.store.sessions.create(result.account.id, { client: ctx.client });
      ctx.setCookie(sessionCookie(token, ctx.secure));
      return { ok: true as const };
    }),

  /** Log Out: ends the session, which deletes its unlocked key. */
  logout: authedProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    await ctx.store.sessions.end(ctx.sessionToken);
    ctx.setCookie(clearedSessionCookie(ctx.secure));
    return { ok: true as const };
  }),

  me: authedProcedure
    .output(
      z.object({
        address: z.string(),
        realName: z.string(),
        fromAddress: z.string(),
        domain: z.string(),
        role: z.string(),
        smimeEnabled: z.boolean(),
      }),
    )
    .query(({ ctx }) => {
      const a = ctx.session.account;
      return {
        address: a.address,
        realName: a.realName,
        fromAddress: a.fromAddress,
        domain: a.domain,
        role: a.role,
        smimeEnabled: a.smimeEnabled,
      };
    }),
});
