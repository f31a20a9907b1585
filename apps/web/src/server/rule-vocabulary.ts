import {
  CONDITION_FIELDS,
  conditionOpsFor,
  MARKS,
  RULE_ACTIONS,
  STANDARD_MAILBOXES,
  type Store,
} from "@sealbox/store";
import type { RuleVocabulary } from "~/components/rules/rule-draft";

/**
 * What the rule form offers, from the store's own lists (rules/rule-types.ts), so the browser
 * offers exactly what the evaluator supports. Account rules offer the account's mailboxes;
 * domain rules (they run for every account) the standard ones.
 */
export async function ruleVocabulary(
  store: Store,
  owner: { accountId: string } | { domain: string },
  smimeEnabled: boolean,
): Promise<RuleVocabulary> {
  const mailboxes =
    "accountId" in owner
      ? (await store.mailboxes.list(owner.accountId)).map((m) => m.name)
      : [...STANDARD_MAILBOXES];
  return {
    fields: [...CONDITION_FIELDS],
    opsByField: Object.fromEntries(CONDITION_FIELDS.map((f) => [f, conditionOpsFor(f)])),
    actions: [...RULE_ACTIONS],
    marks: [...MARKS],
    mailboxes,
    smimeEnabled,
  };
}
