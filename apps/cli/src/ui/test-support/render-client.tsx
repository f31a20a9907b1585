import type { Store } from "@sealbox/store";
import { render } from "ink-testing-library";
import { App } from "../App.js";
import { ALICE, LOGIN_PASSWORD, SECURE_PASSWORD } from "./seed.js";
import { waitFor } from "./wait.js";

export const SIZE = { columns: 80, rows: 24 };

/** The client rendered on a real store at 80×24 (ink-testing-library), driven with keys. */
export function renderClient(store: Store, env: NodeJS.ProcessEnv = {}, size = SIZE) {
  const r = render(<App store={store} version="9.9.9" client="test" env={env} size={size} />);
  const frame = () => r.lastFrame() ?? "";
  const until = (text: string | RegExp, timeoutMs?: number) =>
    waitFor(() => (typeof text === "string" ? frame().includes(text) : text.test(frame())), frame, timeoutMs);
  const type = async (text: string) => {
    r.stdin.write(text);
    // Ink reads input on a later turn of the event loop, and draws at most 30 times a second.
    await new Promise((done) => setTimeout(done, 60));
  };
  return {
    stdin: r.stdin,
    frames: r.frames,
    unmount: r.unmount,
    frame,
    until,
    type,
    /** Logs Alice in and waits for her INBOX. */
    async login() {
      await until("Account:");
      await type(ALICE);
      await type("\r");
      await until("Password:");
      await type(LOGIN_PASSWORD);
      await type("\r");
      await until("(page 1)");
    },
    /** u, the Secure Mail Password, Enter: until the lock bar says unlocked. */
    async unlock() {
      await type("u");
      await until("Secure Mail Password:");
      await type(SECURE_PASSWORD);
      await type("\r");
      await until("Secure Mail is Unlocked ·", 60_000);
    },
  };
}

/** Every line fits the terminal, and the frame leaves the last row free (no scroll, no clear). */
export function fitsTerminal(frame: string): boolean {
  const lines = frame.split("\n");
  return lines.length <= SIZE.rows - 1 && lines.every((l) => l.length <= SIZE.columns);
}
