"use client";

import { ArrowDown, ArrowUp, Pencil, Trash2 } from "lucide-react";
import { useState } from "react";
import { Button } from "~/components/ui/controls";
import type { RuleView } from "./rule-draft";

/** The rules in the order they run, with Edit, Move Up / Move Down and Delete (confirmed in place). */
export function RuleList({
  rules,
  busy,
  onEdit,
  onMove,
  onDelete,
}: {
  rules: RuleView[];
  busy: boolean;
  onEdit(rule: RuleView): void;
  onMove(rule: RuleView, direction: "up" | "down"): void;
  onDelete(rule: RuleView): void;
}) {
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
      {rules.map((rule, i) => {
        const before = rules[i - 1];
        const after = rules[i + 1];
        // Moving never crosses between active and inactive rules: the priority does that.
        const canUp = before !== undefined && (before.priority === null) === (rule.priority === null);
        const canDown = after !== undefined && (after.priority === null) === (rule.priority === null);
        return (
          <li key={rule.id} aria-label={rule.name} className="flex flex-col gap-2 px-4 py-3">
            <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
              <span className="font-medium">{rule.name}</span>
              <span
                className={`rounded px-1.5 py-0.5 text-xs ${rule.priority === null ? "bg-slate-100 text-slate-600" : "bg-blue-50 text-blue-900"}`}
              >
                {rule.priority === null ? "Inactive" : `Priority ${rule.priority}`}
              </span>
            </div>
            <p className="break-words font-mono text-xs text-slate-700">{rule.text}</p>
            {confirming === rule.id ? (
              <div className="flex flex-wrap items-center gap-2">
                <span className="text-sm">Delete this rule?</span>
                <Button
                  variant="danger"
                  disabled={busy}
                  onClick={() => {
                    setConfirming(null);
                    onDelete(rule);
                  }}
                >
                  Delete Rule
                </Button>
                <Button onClick={() => setConfirming(null)}>Keep</Button>
              </div>
            ) : (
              <div className="flex flex-wrap gap-2">
                <Button onClick={() => onEdit(rule)} disabled={busy}>
                  <Pencil aria-hidden className="h-4 w-4" />
                  Edit
                </Button>
                <Button onClick={() => onMove(rule, "up")} disabled={busy || !canUp}>
                  <ArrowUp aria-hidden className="h-4 w-4" />
                  Move Up
                </Button>
                <Button onClick={() => onMove(rule, "down")} disabled={busy || !canDown}>
                  <ArrowDown aria-hidden className="h-4 w-4" />
                  Move Down
                </Button>
                <Button variant="danger" onClick={() => setConfirming(rule.id)} disabled={busy}>
                  <Trash2 aria-hidden className="h-4 w-4" />
                  Delete
                </Button>
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
