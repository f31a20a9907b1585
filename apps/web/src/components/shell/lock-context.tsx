"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useState,
} from "react";
import { useTRPC } from "~/trpc/client";

interface InlineUnlockRegistry {
  /** How many places on the page offer their own unlock form right now. */
  inline: number;
  register(): () => void;
}

const Registry = createContext<InlineUnlockRegistry>({ inline: 0, register: () => () => {} });

/**
 * One Secure Mail Password field per page: where a view asks for the password in place (a
 * locked encrypted message, a locked send, the export panel), the lock panel shows only its
 * state, so the page never has two fields or two Unlock buttons.
 */
export function InlineUnlockProvider({ children }: { children: ReactNode }) {
  const [inline, setInline] = useState(0);
  const register = useCallback(() => {
    setInline((n) => n + 1);
    return () => setInline((n) => n - 1);
  }, []);
  const value = useMemo(() => ({ inline, register }), [inline, register]);
  return <Registry.Provider value={value}>{children}</Registry.Provider>;
}

export function useInlineUnlockCount(): number {
  return useContext(Registry).inline;
}

/**
 * Call in a component that renders its own unlock form. A layout effect, so the panel's form
 * is gone in the same commit the inline one appears: no moment shows two password fields.
 */
export function useRegisterInlineUnlock(active: boolean): void {
  const { register } = useContext(Registry);
  useLayoutEffect(() => (active ? register() : undefined), [active, register]);
}

/**
 * The account's lock state, refreshed the moment the unlock runs out (the server is the
 * judge; the countdown is only for display). The server's clock offset is taken into account.
 */
export function useLockState() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const query = useQuery(trpc.secureMail.state.queryOptions(undefined, { staleTime: 0 }));
  const [now, setNow] = useState(() => Date.now());
  const data = query.data;
  // The server's clock minus ours, taken when the answer arrived (not at each render).
  const offset = data ? data.now - query.dataUpdatedAt : 0;
  const expiresAt = data?.unlocked ? data.expiresAt : null;
  useEffect(() => {
    if (!expiresAt) return;
    const timer = setInterval(() => {
      const current = Date.now();
      setNow(current);
      if (current + offset >= expiresAt) {
        clearInterval(timer);
        void queryClient.invalidateQueries();
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [expiresAt, offset, queryClient]);
  // `now` only makes the countdown re-render each second; the time is read fresh.
  const msLeft = expiresAt && now > 0 ? Math.max(0, expiresAt - (Date.now() + offset)) : 0;
  return {
    loading: query.isPending,
    smimeEnabled: data?.smimeEnabled ?? false,
    hasKey: data?.hasKey ?? false,
    unlocked: (data?.unlocked ?? false) && msLeft > 0,
    msLeft,
    lifetimeSeconds: data?.lifetimeSeconds ?? 0,
  };
}
