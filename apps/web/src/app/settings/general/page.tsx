import { GeneralSettings } from "~/components/settings/GeneralSettings";
import { SettingsPage } from "~/components/settings/SettingsPage";
import { sessionAccount } from "~/components/settings/session-account";

export default async function Page() {
  const account = await sessionAccount();
  if (!account) return null;
  return (
    <SettingsPage title="General">
      <GeneralSettings />
    </SettingsPage>
  );
}
