"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Mail, PenSquare, Settings, Shield, Users } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { type ReactNode, useState } from "react";
import { isAdminRole } from "~/components/settings/settings-pages";
import { Button } from "~/components/ui/controls";
import { useTRPC } from "~/trpc/client";
import { LockPanel } from "./LockPanel";
import { InlineUnlockProvider } from "./lock-context";

export interface ShellAccount {
  address: string;
  realName: string;
  smimeEnabled: boolean;
  role: string;
}

const NAV = [
  { href: "/mail/INBOX", match: "/mail", label: "Mail", icon: Mail },
  { href: "/compose", match: "/compose", label: "Compose", icon: PenSquare },
  { href: "/contacts", match: "/contacts", label: "Contacts", icon: Users },
  { href: "/settings", match: "/settings", label: "Settings", icon: Settings },
  // Only server and domain administrators see it (the pages and procedures check again).
  { href: "/admin", match: "/admin", label: "Admin", icon: Shield, admin: true },
] as const;

/** Navigation (always visible, also on a phone), the lock panel, then the page. */
export interface InitialLock {
  smimeEnabled: boolean;
  hasKey: boolean;
  unlocked: boolean;
  expiresAt: number | null;
  lifetimeSeconds: number;
  now: number;
}

export function AppShell({
  account,
  initialLock,
  children,
}: {
  account: ShellAccount;
  initialLock: InitialLock | null;
  children: ReactNode;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Seed the lock state the server rendered with, once, before anything reads it.
  useState(() => {
    if (initialLock) queryClient.setQueryData(trpc.secureMail.state.queryKey(), initialLock);
    return true;
  });
  const pathname = usePathname();
  const nav = NAV.filter((item) => !("admin" in item) || isAdminRole(account.role));
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        window.location.assign("/");
      },
    }),
  );
  return (
    <InlineUnlockProvider>
      <div className="flex h-dvh flex-col">
        <header className="flex items-center gap-x-2 sm:gap-x-4 border-b border-slate-200 bg-slate-900 px-3 py-2 text-white">
          <span className="hidden font-semibold tracking-tight sm:inline">Sealbox</span>
          <nav aria-label="Main" className="flex flex-1 items-center gap-1">
            {nav.map(({ href, match, label, icon: Icon }) => {
              const current = pathname.startsWith(match);
              return (
                <Link
                  key={href}
                  href={href}
                  aria-current={current ? "page" : undefined}
                  title={label}
                  className={`flex items-center gap-1.5 rounded px-2 py-1.5 text-sm ${current ? "bg-slate-700" : "hover:bg-slate-800"}`}
                >
                  <Icon aria-hidden className="h-4 w-4" />
                  {/* On a phone the icons stand alone; the name stays for assistive technology. */}
                  <span className="sr-only sm:not-sr-only">{label}</span>
                </Link>
              );
            })}
          </nav>
          <span className="hidden truncate text-xs text-slate-300 sm:inline" title={account.address}>
            {account.realName ? `${account.realName} <${account.address}>` : account.address}
          </span>
          <Button onClick={() => logout.mutate()} disabled={logout.isPending} variant="dark">
            Log Out
          </Button>
        </header>
        {account.smimeEnabled && <LockPanel />}
        <main className="min-h-0 flex-1">{children}</main>
      </div>
    </InlineUnlockProvider>
  );
}
