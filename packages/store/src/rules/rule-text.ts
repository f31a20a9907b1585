import { StoreError } from "../errors.js";
import {
  CONDITION_FIELDS,
  CONDITION_OPS,
  RULE_ACTIONS,
  type RuleAction,
  type RuleCondition,
  type RuleDefinition,
} from "./rule-types.js";

/**
 * The one-line text forms the CLI (and the terminal UI) accept:
 * a condition is `FIELD OP VALUE` ("Subject is *secret*", "From in *@example.com, boss@*",
 * "Message Size greater than 10M", "Header Field is X-Spam: yes*"), an action is
 * `ACTION [ARGUMENT]` ("Store Encrypted in INBOX", "Mark seen", "Discard").
 * Field, operation and action names are case-insensitive; the longest name wins
 * ("is not" before "is"). Validation happens in validateRule.
 */
function longestPrefix(list: readonly string[], text: string): string | undefined {
  const lower = text.toLowerCase();
  return [...list]
    .sort((a, b) => b.length - a.length)
    .find((name) => lower === name.toLowerCase() || lower.startsWith(`${name.toLowerCase()} `));
}

export function parseConditionText(text: string): RuleCondition {
  const trimmed = text.trim();
  const field = longestPrefix(CONDITION_FIELDS, trimmed);
  if (!field)
    throw new StoreError(
      "invalid-argument",
      `"${text}": a condition starts with one of ${CONDITION_FIELDS.join(", ")}`,
    );
  const rest = trimmed.slice(field.length).trim();
  const op = longestPrefix(CONDITION_OPS, rest);
  if (!op)
    throw new StoreError(
      "invalid-argument",
      `"${text}": after ${field} comes one of ${CONDITION_OPS.join(", ")}`,
    );
  return {
    field: field as RuleCondition["field"],
    op: op as RuleCondition["op"],
    value: rest.slice(op.length).trim(),
  };
}

export function parseActionText(text: string): RuleAction {
  const trimmed = text.trim();
  const action = longestPrefix(RULE_ACTIONS, trimmed);
  if (!action)
    throw new StoreError("invalid-argument", `"${text}": an action is one of ${RULE_ACTIONS.join(", ")}`);
  const argument = trimmed.slice(action.length).trim();
  return argument
    ? { action: action as RuleAction["action"], argument }
    : { action: action as RuleAction["action"] };
}

/** The text forms back, e.g. for a human-readable `rule list`. */
export function conditionText(c: RuleCondition): string {
  return `${c.field} ${c.op} ${c.value}`;
}

export function actionText(a: RuleAction): string {
  return a.argument ? `${a.action} ${a.argument}` : a.action;
}

export function ruleText(rule: RuleDefinition): string {
  const when =
    rule.conditions.length === 0
      ? "always"
      : rule.conditions.map(conditionText).join(rule.match === "any" ? " or " : " and ");
  return `if ${when} then ${rule.actions.map(actionText).join(", ")}${rule.stop ? ", then stop" : ""}`;
}
