"use client";

import { Button, Field } from "~/components/ui/controls";
import { SelectField } from "~/components/ui/SelectField";
import { type ConditionDraft, type RuleVocabulary, valueHint, valuePlaceholder } from "./rule-draft";

/** One condition: field, operation, value (a group named "Condition N" for screen readers and tests). */
export function ConditionRow({
  index,
  condition,
  vocabulary,
  errors,
  onChange,
  onRemove,
}: {
  index: number;
  condition: ConditionDraft;
  vocabulary: RuleVocabulary;
  errors: Record<string, string>;
  onChange(next: ConditionDraft): void;
  onRemove(): void;
}) {
  const at = (part: string) => errors[`conditions.${index}.${part}`];
  const ops = vocabulary.opsByField[condition.field] ?? [];
  return (
    <fieldset className="rounded-md border border-slate-200 p-3">
      <legend className="px-1 text-xs font-medium text-slate-500">Condition {index + 1}</legend>
      <div className="grid gap-3 sm:grid-cols-[12rem_9rem_1fr_auto] sm:items-start">
        <SelectField
          label="Field"
          options={vocabulary.fields.map((f) => ({ value: f, label: f }))}
          value={condition.field}
          error={at("field")}
          onChange={(e) => {
            const field = e.target.value;
            const fieldOps = vocabulary.opsByField[field] ?? [];
            onChange({
              ...condition,
              field,
              op: fieldOps.includes(condition.op) ? condition.op : (fieldOps[0] ?? ""),
            });
          }}
        />
        <SelectField
          label="Operation"
          options={ops.map((o) => ({ value: o, label: o }))}
          value={condition.op}
          error={at("op")}
          onChange={(e) => onChange({ ...condition, op: e.target.value })}
        />
        <Field
          label="Value"
          type="text"
          spellCheck={false}
          placeholder={valuePlaceholder(condition.field)}
          value={condition.value}
          error={at("value")}
          hint={valueHint(condition.field, condition.op)}
          onChange={(e) => onChange({ ...condition, value: e.target.value })}
        />
        <Button
          className="justify-self-start sm:mt-6"
          onClick={onRemove}
          aria-label={`Remove condition ${index + 1}`}
        >
          Remove
        </Button>
      </div>
    </fieldset>
  );
}
