import type { Selectable } from "kysely";
import { type Executor, fromFlag, type StoreContext, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";
import type { RulesTable } from "../schema.js";
import type { ScopedRule } from "./evaluate-rules.js";
import { type RuleDefinition, validateRule } from "./rule-types.js";

/** Whose rules: a domain's (run first, for every account in it) or one account's. */
export type RuleOwner = { domainId: string } | { accountId: string };

export interface StoredRule extends RuleDefinition {
  id: string;
  scope: "domain" | "account";
  createdAt: number;
}

function toRule(row: Selectable<RulesTable>): StoredRule {
  return {
    id: row.id,
    scope: row.domain_id !== null ? "domain" : "account",
    name: row.name,
    priority: row.priority,
    match: row.match_mode,
    conditions: JSON.parse(row.conditions),
    actions: JSON.parse(row.actions),
    stop: fromFlag(row.stop),
    createdAt: row.created_at,
  };
}

/** Priority 1 … 9, then inactive; ties by creation. The same order on both engines (NULLs sort differently in SQL). */
function byPriority(a: StoredRule, b: StoredRule): number {
  return (a.priority ?? 10) - (b.priority ?? 10) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);
}

function ownerColumns(owner: RuleOwner): { domain_id: string | null; account_id: string | null } {
  return "domainId" in owner
    ? { domain_id: owner.domainId, account_id: null }
    : { domain_id: null, account_id: owner.accountId };
}

function whereOwner(q: Executor, owner: RuleOwner) {
  return "domainId" in owner
    ? q.selectFrom("rules").selectAll().where("domain_id", "=", owner.domainId)
    : q.selectFrom("rules").selectAll().where("account_id", "=", owner.accountId);
}

/** The rules delivery runs for an account: its domain's, then its own (evaluateRules orders them). */
export async function rulesForDelivery(
  q: Executor,
  accountId: string,
  domainId: string,
): Promise<ScopedRule[]> {
  const rows = await q
    .selectFrom("rules")
    .selectAll()
    .where((eb) => eb.or([eb("domain_id", "=", domainId), eb("account_id", "=", accountId)]))
    .execute();
  return rows
    .map(toRule)
    .sort((a, b) => (a.scope === b.scope ? byPriority(a, b) : a.scope === "domain" ? -1 : 1));
}

export function ruleRepository(ctx: StoreContext) {
  async function insert(owner: RuleOwner, input: unknown, replace: boolean): Promise<StoredRule> {
    const rule = validateRule(input);
    return write(ctx, async (trx) => {
      const existing = await whereOwner(trx, owner).where("name", "=", rule.name).executeTakeFirst();
      if (existing && !replace)
        throw new StoreError("conflict", `a rule named "${rule.name}" already exists`);
      const now = ctx.now();
      const row = {
        id: existing?.id ?? newId(now),
        ...ownerColumns(owner),
        name: rule.name,
        priority: rule.priority,
        match_mode: rule.match,
        conditions: JSON.stringify(rule.conditions),
        actions: JSON.stringify(rule.actions),
        stop: rule.stop ? 1 : 0,
        created_at: existing?.created_at ?? now,
      } as const;
      try {
        if (existing) await trx.updateTable("rules").set(row).where("id", "=", existing.id).execute();
        else await trx.insertInto("rules").values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error))
          throw new StoreError("conflict", `a rule named "${rule.name}" already exists`, { cause: error });
        throw error;
      }
      return toRule(row);
    });
  }

  return {
    /** Adds a rule (JSON contract, validated); conflict if the owner already has one by that name. */
    add: (owner: RuleOwner, rule: unknown) => insert(owner, rule, false),
    /** Adds or replaces the owner's rule with that name, keeping its place among equal priorities. */
    put: (owner: RuleOwner, rule: unknown) => insert(owner, rule, true),

    list: async (owner: RuleOwner): Promise<StoredRule[]> =>
      (await whereOwner(ctx.db, owner).execute()).map(toRule).sort(byPriority),

    remove: async (owner: RuleOwner, name: string): Promise<void> => {
      const result = await write(ctx, (trx) => {
        const q = trx.deleteFrom("rules").where("name", "=", name.trim());
        return (
          "domainId" in owner
            ? q.where("domain_id", "=", owner.domainId)
            : q.where("account_id", "=", owner.accountId)
        ).executeTakeFirst();
      });
      if (Number(result.numDeletedRows) === 0) throw new StoreError("not-found", `no rule named "${name}"`);
    },

    forDelivery: (accountId: string, domainId: string) => rulesForDelivery(ctx.db, accountId, domainId),
  };
}

export type RuleRepository = ReturnType<typeof ruleRepository>;

/** The public JSON shape of a rule (what `rule list --json` prints and `rule add --json` takes). */
export function ruleJson(rule: RuleDefinition): RuleDefinition {
  return {
    name: rule.name,
    priority: rule.priority,
    match: rule.match,
    conditions: rule.conditions,
    actions: rule.actions,
    stop: rule.stop,
  };
}
