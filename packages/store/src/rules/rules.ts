import type { Selectable } from "kysely";
import { type Executor, fromFlag, type StoreContext, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import type { RulesTable } from "../schema.js";
import type { ScopedRule } from "./evaluate-rules.js";
import { type RuleDefinition, validateRule } from "./rule-types.js";

/** Whose rules: a domain's (run first, for every account in it) or one account's. */
export type RuleOwner = { domainId: string } | { accountId: string };

export interface StoredRule extends RuleDefinition {
  id: string;
  scope: "domain" | "account";
  /** Order among the owner's rules of equal priority (Move Up / Move Down). */
  position: number;
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
    position: row.position,
    createdAt: row.created_at,
  };
}

/**
 * Priority 1 … 9, then inactive; ties by position, then creation. The same order on both
 * engines (NULLs sort differently in SQL).
 */
function byPriority(a: StoredRule, b: StoredRule): number {
  return (
    (a.priority ?? 10) - (b.priority ?? 10) ||
    a.position - b.position ||
    a.createdAt - b.createdAt ||
    (a.id < b.id ? -1 : 1)
  );
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

// Compiled once: every delivered message asks, per recipient. The domain comes from the
// account in the same query, so delivery can run it beside the account lookup (one round trip).
const deliveryRules = hotQuery((db, accountId: string, sameAccountId: string) =>
  db
    .selectFrom("rules")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("domain_id", "=", eb.selectFrom("accounts").select("domain_id").where("id", "=", sameAccountId)),
        eb("account_id", "=", accountId),
      ]),
    ),
);

/** The rules delivery runs for an account: its domain's, then its own (evaluateRules orders them). */
export async function rulesForDelivery(q: Executor, accountId: string): Promise<ScopedRule[]> {
  const rows = await deliveryRules(q, accountId, accountId);
  return rows
    .map(toRule)
    .sort((a, b) => (a.scope === b.scope ? byPriority(a, b) : a.scope === "domain" ? -1 : 1));
}

const nameTaken = (name: string, cause?: unknown) =>
  new StoreError("conflict", `a rule named "${name}" already exists`, {
    field: "name",
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * Writes a validated rule over `existing` (keeping its id and creation time, and its place
 * unless its priority changes), or as a new rule; a new or re-prioritised rule goes last
 * among the rules of its priority.
 */
async function writeRule(
  ctx: StoreContext,
  trx: Executor,
  owner: RuleOwner,
  rule: RuleDefinition,
  existing: Selectable<RulesTable> | undefined,
): Promise<StoredRule> {
  const now = ctx.now();
  let position = existing && existing.priority === rule.priority ? existing.position : undefined;
  if (position === undefined) {
    const { domain_id, account_id } = ownerColumns(owner);
    const last = await trx
      .selectFrom("rules")
      .select((eb) => eb.fn.max("position").as("max"))
      .where(domain_id !== null ? "domain_id" : "account_id", "=", (domain_id ?? account_id) as string)
      .executeTakeFirst();
    position = last?.max === null || last?.max === undefined ? 0 : Number(last.max) + 1;
  }
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
    position,
  } as const;
  try {
    if (existing) await trx.updateTable("rules").set(row).where("id", "=", existing.id).execute();
    else await trx.insertInto("rules").values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(rule.name, error);
    throw error;
  }
  return toRule(row);
}

export function ruleRepository(ctx: StoreContext) {
  async function insert(owner: RuleOwner, input: unknown, replace: boolean): Promise<StoredRule> {
    const rule = validateRule(input);
    return write(ctx, async (trx) => {
      const existing = await whereOwner(trx, owner).where("name", "=", rule.name).executeTakeFirst();
      if (existing && !replace) throw nameTaken(rule.name);
      return writeRule(ctx, trx, owner, rule, existing);
    });
  }

  async function requireRule(q: Executor, owner: RuleOwner, id: string): Promise<Selectable<RulesTable>> {
    const row = await whereOwner(q, owner).where("id", "=", id).executeTakeFirst();
    if (!row) throw new StoreError("not-found", "no such rule");
    return row;
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

    /** The rules delivery runs for the account: its domain's, then its own. */
    forDelivery: (accountId: string) => rulesForDelivery(ctx.db, accountId),

    /** One of the owner's rules by id (not-found for anyone else's). */
    get: async (owner: RuleOwner, id: string): Promise<StoredRule> =>
      toRule(await requireRule(ctx.db, owner, id)),

    /**
     * Replaces the owner's rule `id` with a new definition (it may be renamed; conflict if the
     * owner has another rule by the new name). It keeps its place among equal priorities.
     */
    update: async (owner: RuleOwner, id: string, input: unknown): Promise<StoredRule> => {
      const rule = validateRule(input);
      return write(ctx, async (trx) => {
        const existing = await requireRule(trx, owner, id);
        const clash = await whereOwner(trx, owner).where("name", "=", rule.name).executeTakeFirst();
        if (clash && clash.id !== id) throw nameTaken(rule.name);
        return writeRule(ctx, trx, owner, rule, existing);
      });
    },

    /** Deletes the owner's rule `id` (not-found for anyone else's). */
    removeById: async (owner: RuleOwner, id: string): Promise<void> => {
      await write(ctx, async (trx) => {
        await requireRule(trx, owner, id);
        await trx.deleteFrom("rules").where("id", "=", id).execute();
      });
    },

    /**
     * Move Up / Move Down: the rule changes places with its neighbour in the list. Past a rule of
     * another priority it takes that priority (so the order the list shows is the order rules
     * run); it never crosses between active and inactive rules (that is the priority's job).
     * Returns the owner's rules in their new order.
     */
    move: async (owner: RuleOwner, id: string, direction: "up" | "down"): Promise<StoredRule[]> =>
      write(ctx, async (trx) => {
        await requireRule(trx, owner, id);
        const rules = (await whereOwner(trx, owner).execute()).map(toRule).sort(byPriority);
        const from = rules.findIndex((r) => r.id === id);
        const to = direction === "up" ? from - 1 : from + 1;
        const rule = rules[from] as StoredRule;
        const neighbour = rules[to];
        const edge = direction === "up" ? "first" : "last";
        if (!neighbour)
          throw new StoreError("invalid-argument", `"${rule.name}" is already the ${edge} rule`);
        if ((neighbour.priority === null) !== (rule.priority === null))
          throw new StoreError(
            "invalid-argument",
            rule.priority === null
              ? "an inactive rule does not run: give it a priority to place it among the active rules"
              : `"${rule.name}" is already the ${edge} active rule`,
          );
        const before = new Map(rules.map((r) => [r.id, r] as const));
        rules[from] = neighbour;
        rules[to] = { ...rule, priority: neighbour.priority };
        // Positions follow the new list, so sorting by (priority, position) gives it back.
        const moved = rules.map((r, index) => ({ ...r, position: index }));
        for (const r of moved) {
          const old = before.get(r.id) as StoredRule;
          if (old.position !== r.position || old.priority !== r.priority)
            await trx
              .updateTable("rules")
              .set({ position: r.position, priority: r.priority })
              .where("id", "=", r.id)
              .execute();
        }
        return moved;
      }),
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
