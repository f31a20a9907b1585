"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { useState } from "react";
import { Alert, Button, Checkbox, Field } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { SelectField } from "~/components/ui/SelectField";
import { useTRPC } from "~/trpc/client";
import { ActionRow } from "./ActionRow";
import { ConditionRow } from "./ConditionRow";
import {
  errorsByField,
  newAction,
  newCondition,
  type RuleDraft,
  type RuleVocabulary,
  ruleInput,
  unplacedErrors,
} from "./rule-draft";

const PRIORITIES = [
  { value: "1", label: "1 (runs first)" },
  ..."2345678".split("").map((p) => ({ value: p, label: p })),
  { value: "9", label: "9 (runs last)" },
  { value: "inactive", label: "Inactive (never runs)" },
];

/** New Rule or Edit: name, priority, conditions, actions. The store judges it; errors appear at their fields. */
export function RuleForm({
  initial,
  domain,
  vocabulary,
  onSaved,
  onCancel,
}: {
  initial: RuleDraft;
  domain: string | undefined;
  vocabulary: RuleVocabulary;
  onSaved(name: string): void;
  onCancel(): void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const save = useMutation(
    trpc.rules.save.mutationOptions({
      onSuccess: async (saved) => {
        await queryClient.invalidateQueries({ queryKey: trpc.rules.pathKey() });
        onSaved(saved.name);
      },
    }),
  );
  const failure = failureOf(save.error);
  const errors = errorsByField(failure?.fieldErrors);
  // Messages with no field of their own on the form (a rule-wide one, or a list the form cannot show).
  const listError = errors.conditions ?? errors.actions;
  const unplaced = unplacedErrors(errors);
  const atAField = Object.keys(errors).some(
    (k) => k !== "conditions" && k !== "actions" && !unplaced.some((u) => u.startsWith(`${k}: `)),
  );
  const update = (change: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...change }));

  return (
    <form
      aria-label={draft.id ? `Edit rule ${initial.name}` : "New rule"}
      className="flex flex-col gap-4 rounded-lg border border-slate-300 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          ...(domain ? { domain } : {}),
          ...(draft.id ? { id: draft.id } : {}),
          rule: ruleInput(draft),
        });
      }}
    >
      <h2 className="text-base font-semibold">{draft.id ? `Edit “${initial.name}”` : "New Rule"}</h2>
      <div className="grid gap-4 sm:grid-cols-[1fr_14rem_14rem]">
        <Field
          label="Name"
          type="text"
          value={draft.name}
          error={errors.name}
          onChange={(e) => update({ name: e.target.value })}
        />
        <SelectField
          label="Priority"
          options={PRIORITIES}
          value={draft.priority}
          error={errors.priority}
          onChange={(e) => update({ priority: e.target.value })}
        />
        <SelectField
          label="Match"
          options={[
            { value: "all", label: "All conditions" },
            { value: "any", label: "Any condition" },
          ]}
          value={draft.match}
          error={errors.match}
          onChange={(e) => update({ match: e.target.value === "any" ? "any" : "all" })}
        />
      </div>

      <section aria-label="Conditions" className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold text-slate-800">Conditions</h3>
        {draft.conditions.length === 0 && (
          <p className="text-sm text-slate-600">No conditions: the rule applies to every message.</p>
        )}
        {draft.conditions.map((c, i) => (
          <ConditionRow
            key={c.key}
            index={i}
            condition={c}
            vocabulary={vocabulary}
            errors={errors}
            onChange={(next) =>
              update({ conditions: draft.conditions.map((x) => (x.key === c.key ? next : x)) })
            }
            onRemove={() => update({ conditions: draft.conditions.filter((x) => x.key !== c.key) })}
          />
        ))}
        {errors.conditions && <p className="text-sm text-red-700">{errors.conditions}</p>}
        <div>
          <Button onClick={() => update({ conditions: [...draft.conditions, newCondition(vocabulary)] })}>
            <Plus aria-hidden className="h-4 w-4" />
            Add Condition
          </Button>
        </div>
      </section>

      <section aria-label="Actions" className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold text-slate-800">Actions</h3>
        {draft.actions.map((a, i) => (
          <ActionRow
            key={a.key}
            index={i}
            action={a}
            vocabulary={vocabulary}
            errors={errors}
            onChange={(next) => update({ actions: draft.actions.map((x) => (x.key === a.key ? next : x)) })}
            onRemove={() => update({ actions: draft.actions.filter((x) => x.key !== a.key) })}
          />
        ))}
        {errors.actions && <p className="text-sm text-red-700">{errors.actions}</p>}
        <div>
          <Button onClick={() => update({ actions: [...draft.actions, newAction(vocabulary)] })}>
            <Plus aria-hidden className="h-4 w-4" />
            Add Action
          </Button>
        </div>
      </section>

      <Checkbox
        label="Stop processing further rules when this rule matches"
        checked={draft.stop}
        onChange={(e) => update({ stop: e.target.checked })}
      />
      {failure && !atAField && !listError && unplaced.length === 0 && <Alert>{failure.message}</Alert>}
      {unplaced.length > 0 && <Alert>The rule was not saved: {unplaced.join(" ")}</Alert>}
      {failure && (atAField || listError) && (
        <Alert>The rule was not saved: see the messages at the fields.</Alert>
      )}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save Rule"}
        </Button>
        <Button onClick={onCancel} disabled={save.isPending}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
