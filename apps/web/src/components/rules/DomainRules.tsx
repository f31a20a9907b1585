"use client";

import { useRouter } from "next/navigation";
import { SelectField } from "~/components/ui/SelectField";
import { RulesEditor } from "./RulesEditor";
import type { RuleVocabulary } from "./rule-draft";

/** Domain rules, with a Domain choice for a server administrator (the page reloads for it). */
export function DomainRules({
  domain,
  domains,
  vocabulary,
}: {
  domain: string;
  domains: string[];
  vocabulary: RuleVocabulary;
}) {
  const router = useRouter();
  return (
    <div className="flex flex-col gap-4">
      {domains.length > 1 && (
        <SelectField
          label="Domain"
          className="sm:w-72"
          options={domains.map((d) => ({ value: d, label: d }))}
          value={domain}
          onChange={(e) => router.push(`/settings/domain-rules?domain=${encodeURIComponent(e.target.value)}`)}
        />
      )}
      {domains.length === 1 && <p className="text-sm text-slate-700">The rules of {domain}.</p>}
      <RulesEditor domain={domain} vocabulary={vocabulary} />
    </div>
  );
}
