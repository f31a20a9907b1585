import { ComposeSettings } from "~/components/settings/ComposeSettings";
import { SettingsPage } from "~/components/settings/SettingsPage";
import { sessionAccount } from "~/components/settings/session-account";
import { SMIME_OFF_TEXT } from "~/components/settings/settings-pages";

export default async function Page() {
  const account = await sessionAccount();
  if (!account) return null;
  return (
    <SettingsPage title="Compose">
      {account.smimeEnabled ? (
        <ComposeSettings />
      ) : (
        <p className="text-sm text-slate-700">{SMIME_OFF_TEXT} New messages are sent as they are.</p>
      )}
    </SettingsPage>
  );
}
