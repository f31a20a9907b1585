import { decodeEncodedWords, parseAddressList } from "@sealbox/core";
import { type HeaderField, headerValues } from "../mail/header-reader.js";
import { formatAddress } from "../mail/message-metadata.js";
import type { SecurityKind } from "../schema.js";
import { globMatch } from "./glob.js";
import {
  type ConditionField,
  listItems,
  parseSize,
  type RuleAction,
  type RuleCondition,
  type RuleDefinition,
  splitHeaderLine,
} from "./rule-types.js";

export interface RuleMessage {
  /** The header fields, unfolded and undecoded (header-reader.ts). */
  headers: readonly HeaderField[];
  /** Bytes. */
  size: number;
  security: SecurityKind;
}

export interface ScopedRule extends RuleDefinition {
  scope: "domain" | "account";
}

/** An action to perform, with the rule it came from (for logs and the delivery report). */
export interface PlannedAction extends RuleAction {
  rule: string;
  scope: "domain" | "account";
}

const ADDRESS_FIELDS: Partial<Record<ConditionField, string[]>> = {
  From: ["From"],
  Sender: ["Sender"],
  To: ["To"],
  Cc: ["Cc"],
  "Any To or Cc": ["To", "Cc"],
  "Reply-To": ["Reply-To"],
};

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/**
 * What a condition's patterns are compared with. Address fields offer, per address, the
 * bare address, the display name and "Name <address>", plus the whole decoded header, so
 * `From is boss@example.com` and `From is *Boss*` both match `Boss <boss@example.com>`.
 * A field the message lacks offers nothing (so `is` fails and `is not` holds), except
 * Subject, which is then the empty string.
 */
function candidates(condition: RuleCondition, message: RuleMessage): { texts: string[]; pattern: string } {
  const addressHeaders = ADDRESS_FIELDS[condition.field];
  if (addressHeaders) {
    const texts = addressHeaders.flatMap((name) =>
      headerValues(message.headers, name).flatMap((value) => [
        oneLine(decodeEncodedWords(value)),
        ...parseAddressList(value).flatMap((a) =>
          [a.address, a.name, formatAddress(a)].filter((t) => t !== ""),
        ),
      ]),
    );
    return { texts, pattern: condition.value };
  }
  switch (condition.field) {
    case "Subject": {
      const values = headerValues(message.headers, "Subject").map((v) => oneLine(decodeEncodedWords(v)));
      return { texts: values.length > 0 ? values : [""], pattern: condition.value };
    }
    case "Header Field": {
      const { name, value } = splitHeaderLine(condition.value, "a Header Field condition");
      return {
        texts: headerValues(message.headers, name).map((v) => oneLine(decodeEncodedWords(v))),
        pattern: value,
      };
    }
    case "Security":
      return { texts: [message.security], pattern: condition.value };
    default:
      return { texts: [], pattern: condition.value };
  }
}

export function conditionMatches(condition: RuleCondition, message: RuleMessage): boolean {
  if (condition.field === "Message Size") {
    const limit = parseSize(condition.value);
    return condition.op === "greater than" ? message.size > limit : message.size < limit;
  }
  const { texts, pattern } = candidates(condition, message);
  const patterns = condition.op === "in" || condition.op === "not in" ? listItems(pattern) : [pattern];
  const hit = texts.some((text) => patterns.some((p) => globMatch(p, text)));
  return condition.op === "is" || condition.op === "in" ? hit : !hit;
}

function ruleMatches(rule: RuleDefinition, message: RuleMessage): boolean {
  if (rule.conditions.length === 0) return true;
  return rule.match === "any"
    ? rule.conditions.some((c) => conditionMatches(c, message))
    : rule.conditions.every((c) => conditionMatches(c, message));
}

/**
 * Runs rules over a message and returns the actions to perform, in order. Pure: no
 * database, no clock. Domain rules run before account rules; within each, priority 1
 * first … 9 last, ties in the order given; inactive rules (priority null) never run.
 * A matching rule's actions are taken in order up to a "Stop Processing" action (like
 * Sieve's `stop`, the rest of that rule is not performed either); that action or the
 * rule's stop flag ends rule processing. What the actions mean for delivery (implicit
 * INBOX, Discard) is deliver's business.
 */
export function evaluateRules(rules: readonly ScopedRule[], message: RuleMessage): PlannedAction[] {
  const ordered = rules
    .map((rule, index) => ({ rule, index }))
    .filter(({ rule }) => rule.priority !== null)
    .sort(
      (a, b) =>
        (a.rule.scope === b.rule.scope ? 0 : a.rule.scope === "domain" ? -1 : 1) ||
        (a.rule.priority as number) - (b.rule.priority as number) ||
        a.index - b.index,
    );
  const planned: PlannedAction[] = [];
  for (const { rule } of ordered) {
    if (!ruleMatches(rule, message)) continue;
    let stop = rule.stop;
    for (const action of rule.actions) {
      if (action.action === "Stop Processing") {
        stop = true;
        break;
      }
      planned.push({ ...action, rule: rule.name, scope: rule.scope });
    }
    if (stop) break;
  }
  return planned;
}
