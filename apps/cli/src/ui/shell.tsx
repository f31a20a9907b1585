import type { LockState } from "@sealbox/store";
import { createContext, useContext } from "react";
import type { MailSession } from "./mail-session.js";

export interface MailboxRef {
  id: string;
  name: string;
}

export type Screen =
  | { name: "list"; mailbox: MailboxRef }
  | { name: "folders" }
  | { name: "message"; mailbox: MailboxRef; messageId: string }
  | { name: "compose"; mailbox: MailboxRef }
  | { name: "bulk"; mailbox: MailboxRef; kind: "encrypt" | "decrypt" }
  | { name: "settings"; mailbox: MailboxRef }
  | { name: "books"; mailbox: MailboxRef }
  | { name: "rules"; mailbox: MailboxRef };

export interface Status {
  text: string;
  tone: "info" | "ok" | "error";
}

/** What every screen gets from the shell: the session, the screen size, and the shared state. */
export interface Shell {
  session: MailSession;
  width: number;
  /** Lines left for a screen between the lock bar and the status line. */
  height: number;
  lock: LockState | null;
  now: number;
  /** False while the shell's own prompt (the unlock) has the keyboard. */
  active: boolean;
  status: Status | null;
  go(screen: Screen): void;
  notify(text: string, tone?: Status["tone"]): void;
  /** Reports a failure through the one error boundary (ui-errors.ts). */
  fail(error: unknown): void;
  /** Opens the masked Secure Mail Password prompt; `then` runs after a successful unlock. */
  askUnlock(then?: () => void): void;
  unlocking: boolean;
  /** The prompt's Enter: unlocks through store (its rate limit applies) or says why not. */
  submitUnlock(password: string): void;
  cancelUnlock(): void;
  lockNow(): Promise<void>;
  /** Asks the store again (after a key was generated, imported or removed). */
  refreshLock(): Promise<void>;
  quit(): void;
  env: NodeJS.ProcessEnv;
}

export const ShellContext = createContext<Shell | null>(null);

export function useShell(): Shell {
  const shell = useContext(ShellContext);
  if (!shell) throw new Error("a screen rendered outside the shell");
  return shell;
}
