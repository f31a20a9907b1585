/**
 * The rule form's state and its conversion to and from the rule JSON contract (store's
 * rules/rule-types.ts). The vocabulary comes from the store through the page, so the form
 * offers exactly the fields, operations and actions the evaluator supports.
 */
export interface RuleVocabulary {
  fields: string[];
  /** The operations each field takes (Message Size compares; the rest match patterns). */
  opsByField: Record<string, string[]>;
  actions: string[];
  marks: string[];
  /** Mailboxes offered for Store in / Store Encrypted in. */
  mailboxes: string[];
  /** Secure Mail is on for this scope: Store Encrypted in is offered. */
  smimeEnabled: boolean;
}

export interface RuleView {
  id: string;
  name: string;
  priority: number | null;
  match: "all" | "any";
  conditions: Array<{ field: string; op: string; value: string }>;
  actions: Array<{ action: string; argument?: string | undefined }>;
  stop: boolean;
  text: string;
}

export interface ConditionDraft {
  /** React's key for the row (rows are added and removed). */
  key: string;
  field: string;
  op: string;
  value: string;
}

export interface ActionDraft {
  key: string;
  action: string;
  argument: string;
}

export interface RuleDraft {
  id: string | null;
  name: string;
  /** "1" … "9" or "inactive". */
  priority: string;
  match: "all" | "any";
  conditions: ConditionDraft[];
  actions: ActionDraft[];
  stop: boolean;
}

export const STORE_ACTIONS = ["Store in", "Store Encrypted in"];
export const STORE_ENCRYPTED = "Store Encrypted in";

const key = () => Math.random().toString(36).slice(2);

export function newCondition(
  vocabulary: RuleVocabulary,
  field = vocabulary.fields.includes("Subject") ? "Subject" : (vocabulary.fields[0] ?? ""),
): ConditionDraft {
  return { key: key(), field, op: vocabulary.opsByField[field]?.[0] ?? "", value: "" };
}

export function newAction(vocabulary: RuleVocabulary): ActionDraft {
  const action = vocabulary.smimeEnabled ? STORE_ENCRYPTED : "Store in";
  return { key: key(), action, argument: defaultArgument(action, vocabulary) };
}

/** The argument an action starts with when it is chosen. */
export function defaultArgument(action: string, vocabulary: RuleVocabulary): string {
  if (STORE_ACTIONS.includes(action)) return vocabulary.mailboxes[0] ?? "INBOX";
  if (action === "Mark") return vocabulary.marks[0] ?? "";
  return "";
}

export function draftOf(vocabulary: RuleVocabulary, rule?: RuleView): RuleDraft {
  if (!rule)
    return {
      id: null,
      name: "",
      priority: "5",
      match: "all",
      conditions: [newCondition(vocabulary)],
      actions: [newAction(vocabulary)],
      stop: false,
    };
  return {
    id: rule.id,
    name: rule.name,
    priority: rule.priority === null ? "inactive" : String(rule.priority),
    match: rule.match,
    conditions: rule.conditions.map((c) => ({ key: key(), ...c })),
    actions: rule.actions.map((a) => ({ key: key(), action: a.action, argument: a.argument ?? "" })),
    stop: rule.stop,
  };
}

const TAKES_ARGUMENT = new Set(["Store in", "Store Encrypted in", "Mark", "Add Header"]);

/** What rules.save takes: the JSON contract (`sealbox rule add --json` takes the same). */
export function ruleInput(draft: RuleDraft) {
  return {
    name: draft.name,
    priority: draft.priority === "inactive" ? null : Number(draft.priority),
    match: draft.match,
    conditions: draft.conditions.map(({ field, op, value }) => ({ field, op, value })),
    actions: draft.actions.map(({ action, argument }) =>
      TAKES_ARGUMENT.has(action) ? { action, argument } : { action },
    ),
    stop: draft.stop,
  };
}

/** A hint for a condition's value, by field. */
export function valueHint(field: string, op: string): string {
  const list = op === "in" || op === "not in";
  switch (field) {
    case "Message Size":
      return "Bytes, or with K, M or G, e.g. 10M.";
    case "Header Field":
      return list ? 'Name: patterns, e.g. "X-Spam: yes*, high*".' : 'Name: pattern, e.g. "X-Spam: yes*".';
    case "Security":
      return `plain, signed, encrypted or signed+encrypted${list ? " (several: comma-separated)." : "."}`;
    default:
      return list
        ? "Patterns, comma-separated; * matches anything, case does not matter."
        : "A pattern; * matches anything, case does not matter.";
  }
}

export function valuePlaceholder(field: string): string {
  switch (field) {
    case "Message Size":
      return "10M";
    case "Header Field":
      return "X-Spam: yes*";
    case "Security":
      return "encrypted";
    case "Subject":
      return "*secret*";
    default:
      return "*@example.com";
  }
}

/** The first message per field path ("name", "conditions.0.value") from a failed save. */
export function errorsByField(fieldErrors: Record<string, string[] | undefined> | null | undefined) {
  const out: Record<string, string> = {};
  for (const [path, messages] of Object.entries(fieldErrors ?? {})) {
    // The input's own checks name "rule.conditions.0.value" (and "rule" for all of them);
    // store names "conditions.0.value".
    if (path === "rule" || !messages?.[0]) continue;
    out[path.replace(/^rule\./, "")] ??= messages[0];
  }
  return out;
}

const FORM_FIELD =
  /^(name|priority|match|stop|conditions|actions|conditions\.\d+\.(field|op|value)|actions\.\d+\.(action|argument))$/;

/** Messages about something the form has no field for (shown in its alert instead). */
export function unplacedErrors(errors: Record<string, string>): string[] {
  return Object.entries(errors)
    .filter(([path]) => !FORM_FIELD.test(path))
    .map(([path, message]) => `${path}: ${message}`);
}
