import { PasswordSettings } from "~/components/settings/PasswordSettings";
import { SettingsPage } from "~/components/settings/SettingsPage";
import { sessionAccount } from "~/components/settings/session-account";

export default async function Page() {
  const account = await sessionAccount();
  if (!account) return null;
  return (
    <SettingsPage title="Password">
      <PasswordSettings smimeEnabled={account.smimeEnabled} />
    </SettingsPage>
  );
}
