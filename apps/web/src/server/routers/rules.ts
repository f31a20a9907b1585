import { type RuleOwner, ruleText, type SignedInSession, type Store, type StoredRule } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authedProcedure, router } from "../trpc";
import { domainInScope } from "./admin-scope";

/**
 * Whose rules: absent = the signed-in account's own; a domain name = that domain's rules,
 * which only its administrators edit (a domain admin their own domain, a server admin any).
 */
const ZScope = z.object({ domain: z.string().trim().min(1).max(253).optional() });

/** Loose on purpose: store's validateRule judges the rule and names the field that is wrong. */
const ZRuleInput = z.object({
  name: z.string().max(1000),
  priority: z.union([z.number().int(), z.null(), z.string().max(20)]),
  match: z.enum(["all", "any"]).default("all"),
  conditions: z
    .array(z.object({ field: z.string().max(100), op: z.string().max(100), value: z.string().max(10_000) }))
    .max(50, "Use at most 50 conditions."),
  actions: z
    .array(z.object({ action: z.string().max(100), argument: z.string().max(10_000).optional() }))
    .max(50, "Use at most 50 actions."),
  stop: z.boolean().default(false),
});

const ZRule = z.object({
  id: z.string(),
  name: z.string(),
  priority: z.number().nullable(),
  match: z.enum(["all", "any"]),
  conditions: z.array(z.object({ field: z.string(), op: z.string(), value: z.string() })),
  actions: z.array(z.object({ action: z.string(), argument: z.string().optional() })),
  stop: z.boolean(),
  /** The rule in words ("if Subject is *secret* then Store Encrypted in INBOX"), as `rule list` prints it. */
  text: z.string(),
});

const view = (r: StoredRule): z.infer<typeof ZRule> => ({
  id: r.id,
  name: r.name,
  priority: r.priority,
  match: r.match,
  conditions: r.conditions,
  actions: r.actions.map((a) => (a.argument === undefined ? { action: a.action } : a)),
  stop: r.stop,
  text: ruleText(r),
});

/** The rule owner a request may work on, or a refusal (a domain admin of another domain learns nothing). */
async function ownerFor(
  ctx: { store: Store; session: SignedInSession },
  domain: string | undefined,
): Promise<RuleOwner> {
  const account = ctx.session.account;
  if (domain === undefined) return { accountId: account.id };
  if (account.role !== "domain-admin" && account.role !== "server-admin")
    throw new TRPCError({ code: "FORBIDDEN", message: "Only the domain's administrators edit its rules." });
  // The same scope as Administration: a domain admin their own domain, a server admin any.
  const name = domainInScope(ctx.session, domain);
  return {
    domainId: name === account.domain ? account.domainId : (await ctx.store.domains.require(name)).id,
  };
}

export const rulesRouter = router({
  /** The rules in the order they run: priority 1 … 9, then inactive ones. */
  list: authedProcedure
    .input(ZScope)
    .output(z.array(ZRule))
    .query(async ({ ctx, input }) =>
      (await ctx.store.rules.list(await ownerFor(ctx, input.domain))).map(view),
    ),

  /** The domains whose rules this account may edit (none for a plain user). */
  domains: authedProcedure.output(z.array(z.string())).query(async ({ ctx }) => {
    const account = ctx.session.account;
    if (account.role === "server-admin") return (await ctx.store.domains.list()).map((d) => d.name);
    if (account.role === "domain-admin") return [account.domain];
    return [];
  }),

  /** New Rule (no id) or an edit of the owner's rule `id`; invalid input names its field. */
  save: authedProcedure
    .input(ZScope.extend({ id: z.string().max(100).optional(), rule: ZRuleInput }))
    .output(ZRule)
    .mutation(async ({ ctx, input }) => {
      const owner = await ownerFor(ctx, input.domain);
      const saved = input.id
        ? await ctx.store.rules.update(owner, input.id, input.rule)
        : await ctx.store.rules.add(owner, input.rule);
      return view(saved);
    }),

  remove: authedProcedure
    .input(ZScope.extend({ id: z.string().max(100) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.store.rules.removeById(await ownerFor(ctx, input.domain), input.id);
      return { ok: true as const };
    }),

  /** Move Up / Move Down: the new order (store explains when a rule cannot move further). */
  move: authedProcedure
    .input(ZScope.extend({ id: z.string().max(100), direction: z.enum(["up", "down"]) }))
    .output(z.array(ZRule))
    .mutation(async ({ ctx, input }) =>
      (await ctx.store.rules.move(await ownerFor(ctx, input.domain), input.id, input.direction)).map(view),
    ),
});
