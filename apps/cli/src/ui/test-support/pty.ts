import { resolve } from "node:path";
import { spawn } from "node-pty";
import { Screen } from "./screen.js";
import { waitFor } from "./wait.js";

const bin = resolve(import.meta.dirname, "../../../../../bin/sealbox");

/**
 * The real `./bin/sealbox` in a pseudo-terminal of a given size, its output applied to a
 * Screen. CI is dropped from its environment: Ink draws nothing interactive while CI is set.
 */
export function sealboxInPty(
  args: string[],
  options: { home: string; columns: number; rows: number; env?: Record<string, string> },
) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && k !== "CI" && k !== "CONTINUOUS_INTEGRATION") env[k] = v;
  Object.assign(env, { TERM: "xterm-256color", SEALBOX_HOME: options.home, SEALBOX_STORE: "" }, options.env);
  const screen = new Screen(options.columns, options.rows);
  const child = spawn(bin, args, {
    name: "xterm-256color",
    cols: options.columns,
    rows: options.rows,
    cwd: options.home,
    env,
  });
  let raw = "";
  child.onData((data) => {
    raw += data;
    screen.write(data);
  });
  const exited = new Promise<number>((done) => child.onExit(({ exitCode }) => done(exitCode)));
  return {
    screen,
    raw: () => raw,
    exited,
    /** Types keys as a user would, one write each. */
    async press(keys: string) {
      child.write(keys);
      await new Promise((r) => setTimeout(r, 100));
    },
    until(text: string | RegExp, timeoutMs = 60_000) {
      return waitFor(
        () => (typeof text === "string" ? screen.text().includes(text) : text.test(screen.text())),
        () => screen.text(),
        timeoutMs,
      );
    },
    /** The window resized, as a user drags it: the program gets SIGWINCH. */
    resize(columns: number, rows: number) {
      screen.resize(columns, rows);
      child.resize(columns, rows);
    },
    kill: () => child.kill(),
  };
}
