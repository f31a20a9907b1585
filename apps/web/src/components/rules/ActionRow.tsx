"use client";

import { Button, Field } from "~/components/ui/controls";
import { SelectField } from "~/components/ui/SelectField";
import {
  type ActionDraft,
  defaultArgument,
  type RuleVocabulary,
  STORE_ACTIONS,
  STORE_ENCRYPTED,
} from "./rule-draft";

const OTHER = "\u0000other";

/** One action and its argument: a mailbox select, a mark, a header line, or nothing. */
export function ActionRow({
  index,
  action,
  vocabulary,
  errors,
  onChange,
  onRemove,
}: {
  index: number;
  action: ActionDraft;
  vocabulary: RuleVocabulary;
  errors: Record<string, string>;
  onChange(next: ActionDraft): void;
  onRemove(): void;
}) {
  const at = (part: string) => errors[`actions.${index}.${part}`];
  // Store Encrypted in needs Secure Mail; an existing one stays visible so it can be changed.
  const actions = vocabulary.actions.filter(
    (a) => a !== STORE_ENCRYPTED || vocabulary.smimeEnabled || action.action === STORE_ENCRYPTED,
  );
  return (
    <fieldset className="rounded-md border border-slate-200 p-3">
      <legend className="px-1 text-xs font-medium text-slate-500">Action {index + 1}</legend>
      <div className="grid gap-3 sm:grid-cols-[12rem_1fr_auto] sm:items-start">
        <SelectField
          label="Action"
          options={actions.map((a) => ({ value: a, label: a }))}
          value={action.action}
          error={at("action")}
          onChange={(e) => {
            const next = e.target.value;
            const keep = STORE_ACTIONS.includes(next) && STORE_ACTIONS.includes(action.action);
            onChange({
              ...action,
              action: next,
              argument: keep ? action.argument : defaultArgument(next, vocabulary),
            });
          }}
        />
        <Argument action={action} vocabulary={vocabulary} error={at("argument")} onChange={onChange} />
        <Button
          className="justify-self-start sm:mt-6"
          onClick={onRemove}
          aria-label={`Remove action ${index + 1}`}
        >
          Remove
        </Button>
      </div>
    </fieldset>
  );
}

function Argument({
  action,
  vocabulary,
  error,
  onChange,
}: {
  action: ActionDraft;
  vocabulary: RuleVocabulary;
  error: string | undefined;
  onChange(next: ActionDraft): void;
}) {
  const set = (argument: string) => onChange({ ...action, argument });
  if (STORE_ACTIONS.includes(action.action)) {
    const known = vocabulary.mailboxes.includes(action.argument);
    // A folder that does not exist yet is made on delivery: "Other folder…" names it.
    const other = !known;
    return (
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          label="Mailbox"
          options={[
            ...vocabulary.mailboxes.map((m) => ({ value: m, label: m })),
            { value: OTHER, label: "Other folder…" },
          ]}
          value={other ? OTHER : action.argument}
          error={other ? undefined : error}
          onChange={(e) => set(e.target.value === OTHER ? "" : e.target.value)}
        />
        {other && (
          <Field
            label="Folder Name"
            type="text"
            value={action.argument}
            error={error}
            hint="Made when the first message is stored there."
            onChange={(e) => set(e.target.value)}
          />
        )}
      </div>
    );
  }
  if (action.action === "Mark") {
    const choices = [...vocabulary.marks, vocabulary.marks.join(", ")];
    return (
      <SelectField
        label="Mark as"
        options={choices.map((m) => ({ value: m, label: m }))}
        value={choices.includes(action.argument) ? action.argument : (choices[0] ?? "")}
        error={error}
        onChange={(e) => set(e.target.value)}
      />
    );
  }
  if (action.action === "Add Header")
    return (
      <Field
        label="Header"
        type="text"
        spellCheck={false}
        placeholder="X-Filed: yes"
        value={action.argument}
        error={error}
        hint='One line: "Name: value".'
        onChange={(e) => set(e.target.value)}
      />
    );
  return error ? <p className="text-sm text-red-700">{error}</p> : <div />;
}
