import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { AppShell } from "~/components/shell/AppShell";
import { LoginForm } from "~/components/shell/LoginForm";
import { sessionOf } from "~/server/request-context";
import { getStore } from "~/server/store";
import { TrpcProviders } from "~/trpc/client";
import "./globals.css";

export const metadata: Metadata = { title: "Sealbox", description: "Secure mail" };
export const viewport: Viewport = { width: "device-width", initialScale: 1 };
export const dynamic = "force-dynamic";

/** Any page while signed out shows the sign-in form; signed in, the shell around the page. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const store = await getStore();
  const { token, session } = await sessionOf(store, await headers());
  const account = session?.account;
  // The lock panel's first state comes with the page, so it does not pop in after a request.
  const lock =
    account?.smimeEnabled && token
      ? { smimeEnabled: true, ...(await store.secureMail.lockState(account.id, token)), now: Date.now() }
      : null;
  return (
    <html lang="en">
      <body>
        <TrpcProviders csrf={session?.csrf ?? null}>
          {account ? (
            <AppShell
              account={{
                address: account.address,
                realName: account.realName,
                smimeEnabled: account.smimeEnabled,
                role: account.role,
              }}
              initialLock={lock}
            >
              {children}
            </AppShell>
          ) : (
            <LoginForm />
          )}
        </TrpcProviders>
      </body>
    </html>
  );
}
