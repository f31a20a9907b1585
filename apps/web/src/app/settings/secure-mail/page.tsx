import { SecureMailSettings } from "~/components/settings/SecureMailSettings";
import { SettingsPage } from "~/components/settings/SettingsPage";
import { sessionAccount } from "~/components/settings/session-account";
import { SMIME_OFF_TEXT } from "~/components/settings/settings-pages";

export default async function Page() {
  const account = await sessionAccount();
  if (!account) return null;
  return (
    <SettingsPage title="Secure Mail">
      {account.smimeEnabled ? (
        <SecureMailSettings />
      ) : (
        <p className="text-sm text-slate-700">{SMIME_OFF_TEXT}</p>
      )}
    </SettingsPage>
  );
}
