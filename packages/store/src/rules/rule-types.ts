import { errorAt, StoreError } from "../errors.js";
import { normalizeMailboxName } from "../mail/mailboxes.js";
import type { SecurityKind } from "../schema.js";

/**
 * The rule JSON is a public contract (CLI `rule add --json`, `rule list --json`, the web):
 * `{"name":"…","priority":5,"conditions":[{"field":"Subject","op":"is","value":"*secret*"}],
 *   "actions":[{"action":"Store Encrypted in","argument":"INBOX"}],"stop":false}`.
 * Names are matched case-insensitively on input and written back in the spelling below.
 * `match` ("all", the default, or "any") is optional.
 */
export const CONDITION_FIELDS = [
  "From",
  "Sender",
  "To",
  "Cc",
  "Any To or Cc",
  "Reply-To",
  "Subject",
  "Header Field",
  "Message Size",
  "Security",
] as const;
export const CONDITION_OPS = ["is", "is not", "in", "not in", "greater than", "less than"] as const;
export const RULE_ACTIONS = [
  "Store in",
  "Store Encrypted in",
  "Mark",
  "Add Header",
  "Discard",
  "Stop Processing",
] as const;
export const MARKS = ["seen", "flagged"] as const;
const SECURITY_VALUES: readonly SecurityKind[] = ["plain", "signed", "encrypted", "signed+encrypted"];

export type ConditionField = (typeof CONDITION_FIELDS)[number];
export type ConditionOp = (typeof CONDITION_OPS)[number];
export type RuleActionName = (typeof RULE_ACTIONS)[number];

export interface RuleCondition {
  field: ConditionField;
  op: ConditionOp;
  /**
   * A pattern (`*` wildcards), or for `in`/`not in` a comma-separated list of patterns.
   * Header Field: `Name: pattern`, e.g. `X-Spam: yes*`. Message Size: bytes, or with a
   * K/M/G suffix (×1024). Security: plain, signed, encrypted, signed+encrypted.
   */
  value: string;
}

export interface RuleAction {
  action: RuleActionName;
  /** Store in / Store Encrypted in: MAILBOX; Mark: seen|flagged; Add Header: `Name: value`. */
  argument?: string;
}

export interface RuleDefinition {
  name: string;
  /** 1 (runs first) … 9; null = inactive (kept, never run). */
  priority: number | null;
  match: "all" | "any";
  conditions: RuleCondition[];
  actions: RuleAction[];
  /** Stop processing further rules when this one matched. */
  stop: boolean;
}

export const DEFAULT_PRIORITY = 5;

const SIZE_OPS: readonly ConditionOp[] = ["greater than", "less than"];

/** The operations a field takes: Message Size compares, every other field matches patterns. */
export function conditionOpsFor(field: ConditionField): ConditionOp[] {
  return CONDITION_OPS.filter((op) => SIZE_OPS.includes(op) === (field === "Message Size"));
}

const invalid = (message: string, field?: string) =>
  new StoreError("invalid-argument", message, field === undefined ? undefined : { field });

function canonical<T extends string>(list: readonly T[], value: unknown, what: string, field?: string): T {
  const found =
    typeof value === "string" ? list.find((x) => x.toLowerCase() === value.trim().toLowerCase()) : undefined;
  if (!found) throw invalid(`unknown ${what} ${JSON.stringify(value)} (one of: ${list.join(", ")})`, field);
  return found;
}

/** Runs a check whose errors are about `field` of the input (so forms can show them beside it). */
function about<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw error instanceof StoreError ? errorAt(error, field) : error;
  }
}

/** Bytes from `500`, `10K`, `2.5M`, `1G` (binary multiples), optionally ending in B. */
export function parseSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)B?\s*$/i.exec(value);
  if (!m) throw invalid(`"${value}" is not a size (e.g. 500, 10K, 2M)`);
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? "").toUpperCase()] as number;
  return Math.round(Number(m[1]) * unit);
}

/** Splits `Name: value`; the name must be a header field name (RFC 5322 §2.2). */
export function splitHeaderLine(text: string, what: string): { name: string; value: string } {
  const colon = text.indexOf(":");
  const name = colon > 0 ? text.slice(0, colon).trim() : "";
  if (!/^[!-9;-~]+$/.test(name)) throw invalid(`${what} must look like "Name: value" (got "${text}")`);
  return { name, value: text.slice(colon + 1).trim() };
}

export function listItems(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function checkCondition(input: unknown): RuleCondition {
  const c = (input ?? {}) as Record<string, unknown>;
  const field = canonical(CONDITION_FIELDS, c.field, "condition field", "field");
  const op = canonical(CONDITION_OPS, c.op, "condition operation", "op");
  if (typeof c.value !== "string") throw invalid(`the ${field} condition needs a text value`, "value");
  const value = c.value.trim();
  if (!conditionOpsFor(field).includes(op))
    throw invalid(
      field === "Message Size"
        ? 'Message Size takes "greater than" or "less than"'
        : `${field} takes is, is not, in or not in (not "${op}")`,
      "op",
    );
  about("value", () => checkConditionValue(field, op, value));
  return { field, op, value };
}

function checkConditionValue(field: ConditionField, op: ConditionOp, value: string): void {
  if (field === "Message Size") parseSize(value);
  if (field === "Header Field") {
    const { value: pattern } = splitHeaderLine(value, "a Header Field condition");
    if (op === "in" || op === "not in") listItems(pattern);
  }
  if (field === "Security") {
    const items = op === "in" || op === "not in" ? listItems(value) : [value];
    for (const item of items)
      if (!item.includes("*") && !SECURITY_VALUES.includes(item.toLowerCase() as SecurityKind))
        throw invalid(`Security is one of ${SECURITY_VALUES.join(", ")} (got "${item}")`);
  }
}

function checkAction(input: unknown): RuleAction {
  const a = (input ?? {}) as Record<string, unknown>;
  const action = canonical(RULE_ACTIONS, a.action, "action", "action");
  const argument = typeof a.argument === "string" ? a.argument.trim() : undefined;
  if (a.argument !== undefined && a.argument !== null && typeof a.argument !== "string")
    throw invalid(`the ${action} argument must be text`, "argument");
  return about("argument", () => checkArgument(action, argument));
}

function checkArgument(action: RuleActionName, argument: string | undefined): RuleAction {
  switch (action) {
    case "Store in":
    case "Store Encrypted in":
      if (!argument) throw invalid(`${action} needs a mailbox name`);
      return { action, argument: normalizeMailboxName(argument) };
    case "Mark": {
      const marks = listItems(argument ?? "").map((m) => canonical(MARKS, m, "mark"));
      if (marks.length === 0) throw invalid("Mark needs seen or flagged");
      return { action, argument: marks.join(", ") };
    }
    case "Add Header": {
      const { name, value } = splitHeaderLine(argument ?? "", "Add Header");
      if (/\p{Cc}/u.test(value.replaceAll("\t", ""))) throw invalid("an added header is one line");
      return { action, argument: `${name}: ${value}` };
    }
    default:
      if (argument) throw invalid(`${action} takes no argument`);
      return { action };
  }
}

/** Validates and canonicalises a rule from JSON (or from the CLI's text forms). */
export function validateRule(input: unknown): RuleDefinition {
  const r = (input ?? {}) as Record<string, unknown>;
  if (typeof r.name !== "string" || r.name.trim() === "" || r.name.length > 200 || /\p{Cc}/u.test(r.name))
    throw invalid("a rule needs a name (1–200 characters, one line)", "name");
  let priority: number | null;
  if (r.priority === undefined) priority = DEFAULT_PRIORITY;
  else if (r.priority === null || (typeof r.priority === "string" && r.priority.toLowerCase() === "inactive"))
    priority = null;
  else {
    priority =
      typeof r.priority === "string" && /^\d$/.test(r.priority) ? Number(r.priority) : (r.priority as number);
    if (!Number.isInteger(priority) || priority < 1 || priority > 9)
      throw invalid('priority is 1 (first) to 9, or "inactive"', "priority");
  }
  const match =
    r.match === undefined ? "all" : canonical(["all", "any"] as const, r.match, "match mode", "match");
  if (r.conditions !== undefined && !Array.isArray(r.conditions))
    throw invalid("conditions must be a list", "conditions");
  if (!Array.isArray(r.actions) || r.actions.length === 0)
    throw invalid("a rule needs at least one action", "actions");
  if (r.stop !== undefined && typeof r.stop !== "boolean")
    throw invalid("stop must be true or false", "stop");
  return {
    name: r.name.trim(),
    priority,
    match,
    conditions: ((r.conditions as unknown[] | undefined) ?? []).map((c, i) =>
      about(`conditions.${i}`, () => checkCondition(c)),
    ),
    actions: r.actions.map((a, i) => about(`actions.${i}`, () => checkAction(a))),
    stop: r.stop === true,
  };
}
