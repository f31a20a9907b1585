import { DomainRules } from "~/components/rules/DomainRules";
import { SettingsPage } from "~/components/settings/SettingsPage";
import { sessionAccount } from "~/components/settings/session-account";
import { isAdminRole } from "~/components/settings/settings-pages";
import { ruleVocabulary } from "~/server/rule-vocabulary";
import { getStore } from "~/server/store";

type Params = Record<string, string | string[] | undefined>;

/** Domain rules: a domain admin's own domain; a server admin chooses any (?domain=). */
export default async function Page({ searchParams }: { searchParams: Promise<Params> }) {
  const account = await sessionAccount();
  if (!account) return null;
  if (!isAdminRole(account.role))
    return (
      <SettingsPage title="Domain Rules">
        <p className="text-sm text-slate-700">Only a domain's administrators edit its rules.</p>
      </SettingsPage>
    );
  const store = await getStore();
  const domains =
    account.role === "server-admin" ? (await store.domains.list()).map((d) => d.name) : [account.domain];
  const asked = (await searchParams).domain;
  const wanted = Array.isArray(asked) ? asked[0] : asked;
  const domain = wanted && domains.includes(wanted.toLowerCase()) ? wanted.toLowerCase() : account.domain;
  const settings = await store.domains.require(domain);
  const vocabulary = await ruleVocabulary(store, { domain }, settings.smimeEnabled);
  return (
    <SettingsPage title="Domain Rules">
      <DomainRules key={domain} domain={domain} domains={domains} vocabulary={vocabulary} />
    </SettingsPage>
  );
}
