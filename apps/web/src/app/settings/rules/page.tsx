import { RulesEditor } from "~/components/rules/RulesEditor";
import { SettingsPage } from "~/components/settings/SettingsPage";
import { sessionAccount } from "~/components/settings/session-account";
import { ruleVocabulary } from "~/server/rule-vocabulary";
import { getStore } from "~/server/store";

export default async function Page() {
  const account = await sessionAccount();
  if (!account) return null;
  const vocabulary = await ruleVocabulary(await getStore(), { accountId: account.id }, account.smimeEnabled);
  return (
    <SettingsPage title="Rules">
      <RulesEditor vocabulary={vocabulary} />
    </SettingsPage>
  );
}
