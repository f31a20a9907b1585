import type { LockState, Store } from "@sealbox/store";
import { Box, useApp } from "ink";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { LockBar } from "./components/LockBar.js";
import { type MailSession, signIn } from "./mail-session.js";
import { AddressBooks } from "./screens/AddressBooks.js";
import { BulkRun } from "./screens/BulkRun.js";
import { Compose } from "./screens/Compose.js";
import { Folders } from "./screens/Folders.js";
import { LoginScreen } from "./screens/LoginScreen.js";
import { MessageList } from "./screens/MessageList.js";
import { MessageView } from "./screens/MessageView.js";
import { Rules } from "./screens/Rules.js";
import { SecureMailSettings } from "./screens/SecureMailSettings.js";
import { type Screen, type Shell, ShellContext, type Status } from "./shell.js";
import { ThemeContext, themeFor } from "./theme.js";
import { errorText } from "./ui-errors.js";
import { KeyRouter } from "./use-keys.js";
import { type TerminalSize, useTerminalSize } from "./use-terminal-size.js";

export interface AppProps {
  store: Store;
  version: string;
  /** Who the login guard counts failures against (the SSH peer, or this host's terminal). */
  client: string;
  env: NodeJS.ProcessEnv;
  /** Tests fix the size; a terminal's is followed on resize. */
  size?: TerminalSize;
  /** The signed-in session, so the caller can end it however the client exits. */
  onSession?(session: MailSession | null): void;
  /** The clock (epoch ms); tests may pass their own. */
  now?: () => number;
}

/** How often the lock state is asked again (another process may lock or unlock meanwhile). */
const LOCK_POLL_MS = 15_000;

/**
 * The terminal mail client. All state lives here: the session, the screen, the lock state
 * and the status line; screens are small and get it through the shell context. The frame is
 * one line shorter than the terminal, so Ink never clears the screen to redraw it.
 */
export function App(props: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize(props.size);
  const clock = props.now ?? Date.now;
  const theme = useMemo(() => themeFor(props.env), [props.env]);
  const [session, setSession] = useState<MailSession | null>(null);
  const [screen, setScreen] = useState<Screen | null>(null);
  const [lock, setLock] = useState<LockState | null>(null);
  const [now, setNow] = useState(clock);
  const [status, setStatus] = useState<Status | null>(null);
  const [unlock, setUnlock] = useState<{ then: (() => void) | undefined } | null>(null);
  const onSession = useRef(props.onSession);
  onSession.current = props.onSession;

  const width = size.columns;
  const height = Math.max(4, size.rows - 1);

  const refreshLock = useCallback(
    async (s: MailSession) => {
      setLock(await s.lockState());
      setNow(clock());
    },
    [clock],
  );

  useEffect(() => {
    if (!session) return;
    const tick = setInterval(() => setNow(clock()), 1000);
    const poll = setInterval(() => refreshLock(session).catch(() => {}), LOCK_POLL_MS);
    return () => {
      clearInterval(tick);
      clearInterval(poll);
    };
  }, [session, refreshLock, clock]);

  // An unlock that ran out is shown as locked at once, without waiting for the next poll.
  const shownLock =
    lock?.unlocked && lock.expiresAt !== null && lock.expiresAt <= now
      ? { ...lock, unlocked: false, expiresAt: null }
      : lock;

  const login = async (account: string, password: string): Promise<string | null> => {
    const result = await signIn(props.store, account, password, props.client);
    if (!result.ok) return result.message;
    const s = result.session;
    onSession.current?.(s);
    const inbox = (await s.mailboxes()).find((m) => m.name === "INBOX");
    await refreshLock(s);
    setSession(s);
    setScreen(inbox ? { name: "list", mailbox: { id: inbox.id, name: inbox.name } } : { name: "folders" });
    return null;
  };

  if (!session || !screen)
    return (
      <ThemeContext.Provider value={theme}>
        <KeyRouter>
          <LoginScreen version={props.version} width={width} height={height} onLogin={login} />
        </KeyRouter>
      </ThemeContext.Provider>
    );

  const shell: Shell = {
    session,
    width,
    height: height - 1,
    lock: shownLock,
    now,
    active: unlock === null,
    status,
    env: props.env,
    go: (next) => {
      setStatus(null);
      setScreen(next);
    },
    notify: (text, tone = "info") => setStatus({ text, tone }),
    fail: (error) => setStatus({ text: errorText(error), tone: "error" }),
    unlocking: unlock !== null,
    askUnlock: (then) => {
      if (!session.account.smimeEnabled) return;
      setStatus(null);
      setUnlock({ then });
    },
    cancelUnlock: () => setUnlock(null),
    submitUnlock: (password) => {
      const then = unlock?.then;
      setUnlock(null);
      setStatus({ text: "Unlocking…", tone: "info" });
      session.unlock(password).then(
        (state) => {
          setLock(state);
          setNow(clock());
          setStatus({ text: "Secure Mail is Unlocked.", tone: "ok" });
          then?.();
        },
        (error: unknown) => setStatus({ text: errorText(error), tone: "error" }),
      );
    },
    refreshLock: () => refreshLock(session),
    lockNow: async () => {
      await session.lock();
      await refreshLock(session);
      setStatus({ text: "Secure Mail is Locked.", tone: "info" });
    },
    quit: () => {
      session.logout().then(
        () => {
          onSession.current?.(null);
          exit();
        },
        () => exit(),
      );
    },
  };

  return (
    <ThemeContext.Provider value={theme}>
      <KeyRouter>
        <ShellContext.Provider value={shell}>
          <Box flexDirection="column" width={width} height={height}>
            <LockBar
              account={session.account.address}
              place={placeOf(screen)}
              lock={shownLock}
              smime={session.account.smimeEnabled}
              now={now}
              width={width}
            />
            <ScreenView screen={screen} />
          </Box>
        </ShellContext.Provider>
      </KeyRouter>
    </ThemeContext.Provider>
  );
}

function placeOf(screen: Screen): string {
  switch (screen.name) {
    case "folders":
      return "Folders";
    case "list":
    case "message":
      return screen.mailbox.name;
    case "compose":
      return "Compose";
    case "bulk":
      return `${screen.kind === "encrypt" ? "Encrypt All" : "Decrypt All"} · ${screen.mailbox.name}`;
    case "settings":
      return "Secure Mail";
    case "books":
      return "Address Books";
    case "rules":
      return "Rules";
  }
}

function ScreenView({ screen }: { screen: Screen }) {
  switch (screen.name) {
    case "folders":
      return <Folders />;
    case "list":
      return <MessageList key={screen.mailbox.id} mailbox={screen.mailbox} />;
    case "message":
      return <MessageView key={screen.messageId} mailbox={screen.mailbox} messageId={screen.messageId} />;
    case "compose":
      return <Compose back={screen.mailbox} />;
    case "bulk":
      return <BulkRun mailbox={screen.mailbox} kind={screen.kind} />;
    case "settings":
      return <SecureMailSettings back={screen.mailbox} />;
    case "books":
      return <AddressBooks back={screen.mailbox} />;
    case "rules":
      return <Rules back={screen.mailbox} />;
  }
}
