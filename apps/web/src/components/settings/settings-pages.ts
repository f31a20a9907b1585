/**
 * The settings pages, in the order the Settings list shows them. Later pages (General,
 * Password, Compose, Rules) are added here when they exist; `needs` hides a page the
 * account cannot use.
 */
export interface SettingsPage {
  id: string;
  href: string;
  label: string;
  description: string;
  needs?: "smime";
}

export const SETTINGS_PAGES: readonly SettingsPage[] = [
  {
    id: "secure-mail",
    href: "/settings/secure-mail",
    label: "Secure Mail",
    description:
      "Your key and certificate: generate or import, change the Secure Mail Password, export, remove.",
    needs: "smime",
  },
];

export const SMIME_OFF_TEXT = "Secure Mail is switched off for this account.";
