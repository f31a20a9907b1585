import { defaultStoreUrl, openStore, resolveServerSecret, type Store, silentLogger } from "@sealbox/store";
import { render } from "ink";
import { readCliEnv } from "../env.js";
import { App } from "./App.js";
import type { MailSession } from "./mail-session.js";

/** The switch to and from the terminal's alternate screen: the client leaves the shell's scrollback as it was. */
const ALT_SCREEN_ON = "\u001b[?1049h\u001b[H";
const ALT_SCREEN_OFF = "\u001b[?1049l";

/**
 * Who the login guard counts failures against: the SSH peer's address when the client runs
 * over SSH (so one remote host cannot lock out everybody), else this host's terminal.
 */
export function terminalClient(env: NodeJS.ProcessEnv): string {
  const peer = env.SSH_CLIENT?.split(" ")[0];
  return peer ? peer : "local-terminal";
}

/**
 * Opens the store (`--store URL`, else SEALBOX_STORE, else the embedded file) and runs the
 * client until it quits. The session it signed in with is ended however it exits (q or
 * Ctrl-C), which also deletes its unlocked key.
 */
export async function runTerminalClient(options: {
  storeUrl: string | undefined;
  env: NodeJS.ProcessEnv;
  version: string;
}): Promise<number> {
  const cliEnv = readCliEnv(options.env);
  const url = options.storeUrl ?? cliEnv.storeUrl ?? defaultStoreUrl(cliEnv.home);
  const store: Store = await openStore(url, {
    base: cliEnv.home,
    // Store warnings would scribble over the screen; the client shows its own outcomes.
    logger: silentLogger,
    serverSecret: resolveServerSecret({ secret: cliEnv.secret, dataFolder: cliEnv.home }),
    ...(cliEnv.publicUrl ? { publicUrl: cliEnv.publicUrl } : {}),
  });
  let session: MailSession | null = null;
  process.stdout.write(ALT_SCREEN_ON);
  // Raw mode (no echo) from the start: Ink turns it on only after the first frame is drawn,
  // and a key typed in between would be echoed by the terminal below the frame.
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  try {
    const instance = render(
      <App
        store={store}
        version={options.version}
        client={terminalClient(options.env)}
        env={options.env}
        onSession={(s) => {
          session = s;
        }}
      />,
      { incrementalRendering: true, patchConsole: true },
    );
    await instance.waitUntilExit();
  } finally {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdout.write(ALT_SCREEN_OFF);
    await (session as MailSession | null)?.logout().catch(() => {});
    await store.close();
  }
  return 0;
}
