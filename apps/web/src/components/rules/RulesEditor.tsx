"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { useState } from "react";
import { Alert, Button, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { RuleForm } from "./RuleForm";
import { RuleList } from "./RuleList";
import { draftOf, type RuleDraft, type RuleVocabulary } from "./rule-draft";

/**
 * The rules of one owner — the account (no domain) or a domain (its administrators) — in the
 * order they run, with New Rule and the form. Every change goes through the store's rules, the
 * same ones `sealbox rule` works on.
 */
export function RulesEditor({
  domain,
  vocabulary,
}: {
  domain?: string | undefined;
  vocabulary: RuleVocabulary;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const scope = domain ? { domain } : {};
  const rules = useQuery(trpc.rules.list.queryOptions(scope, { staleTime: 0 }));
  const [editing, setEditing] = useState<RuleDraft | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.rules.pathKey() });
  const move = useMutation(trpc.rules.move.mutationOptions({ onSettled: refresh }));
  const remove = useMutation(
    trpc.rules.remove.mutationOptions({
      onSuccess: () => setNotice("The rule is deleted."),
      onSettled: refresh,
    }),
  );
  const failure = failureOf(move.error ?? remove.error ?? rules.error);
  const busy = move.isPending || remove.isPending;

  const start = (draft: RuleDraft) => {
    move.reset();
    remove.reset();
    setNotice(null);
    setEditing(draft);
  };

  return (
    <div className="flex flex-col gap-4">
      {!editing && (
        <div>
          <Button variant="primary" onClick={() => start(draftOf(vocabulary))}>
            <Plus aria-hidden className="h-4 w-4" />
            New Rule
          </Button>
        </div>
      )}
      {editing && (
        <RuleForm
          key={editing.id ?? "new"}
          initial={editing}
          domain={domain}
          vocabulary={vocabulary}
          onSaved={(name) => {
            setEditing(null);
            setNotice(`The rule “${name}” is saved.`);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {notice && <Notice>{notice}</Notice>}
      {failure && <Alert>{failure.message}</Alert>}
      {rules.isPending ? (
        <p className="text-sm">Loading…</p>
      ) : rules.data && rules.data.length > 0 ? (
        <RuleList
          rules={rules.data}
          busy={busy || editing !== null}
          onEdit={(rule) => start(draftOf(vocabulary, rule))}
          onMove={(rule, direction) => {
            setNotice(null);
            remove.reset();
            move.mutate({ ...scope, id: rule.id, direction });
          }}
          onDelete={(rule) => {
            move.reset();
            remove.mutate({ ...scope, id: rule.id });
          }}
        />
      ) : (
        rules.data && <p className="text-sm text-slate-600">No rules yet.</p>
      )}
      <p className="text-xs text-slate-500">
        {domain
          ? `Domain rules run first, for every account of ${domain}, then each account's own rules.`
          : "Rules run on incoming mail before it is stored: priority 1 first, 9 last; inactive rules never run."}
      </p>
    </div>
  );
}
