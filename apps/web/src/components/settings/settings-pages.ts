/**
 * The settings pages, in the order the Settings list shows them; `needs` hides a page the
 * account cannot use ("admin": domain and server administrators only).
 */
export interface SettingsPage {
  id: string;
  href: string;
  label: string;
  description: string;
  needs?: "smime" | "admin";
}

export const SETTINGS_PAGES: readonly SettingsPage[] = [
  {
    id: "general",
    href: "/settings/general",
    label: "General",
    description: "Your real name and the From address your mail is sent from.",
  },
  {
    id: "password",
    href: "/settings/password",
    label: "Password",
    description: "Change the password you log in with.",
  },
  {
    id: "compose",
    href: "/settings/compose",
    label: "Compose",
    description: "How new messages start: encryption method, signing and encrypting by default.",
    needs: "smime",
  },
  {
    id: "rules",
    href: "/settings/rules",
    label: "Rules",
    description: "Sort, mark or store encrypted incoming mail before it is stored.",
  },
  {
    id: "domain-rules",
    href: "/settings/domain-rules",
    label: "Domain Rules",
    description: "Rules that run first, for every account of a domain you administer.",
    needs: "admin",
  },
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

/** Domain administrators (their own domain) and server administrators (every domain). */
export const isAdminRole = (role: string): boolean => role === "domain-admin" || role === "server-admin";
