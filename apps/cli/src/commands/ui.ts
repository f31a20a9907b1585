import { StoreError } from "@sealbox/store";
import { command } from "../command.js";
import { AbortError, UsageError } from "../errors.js";
import { storeOption } from "../support/store.js";

/** True when both ends are a terminal: the client reads keys and draws a screen (Ink draws on stdout). */
export function onTerminal(stdinIsTTY: boolean): boolean {
  return stdinIsTTY && process.stdout.isTTY === true;
}

/**
 * `sealbox ui` (and `sealbox` alone on a terminal): the terminal mail client. The only
 * command that loads Ink and React. Without a terminal there is nothing to draw on: help, exit 2.
 */
export const entry = command({
  name: "ui",
  options: { ...storeOption },
  async run({ options }, io) {
    if (!onTerminal(io.isTTY.stdin)) {
      const { HELP } = await import("../help.js");
      io.stderr(`sealbox: the terminal client needs a terminal\n\n${HELP}`);
      return 2;
    }
    const [{ runTerminalClient }, { SEALBOX_VERSION }] = await Promise.all([
      import("../ui/run.js"),
      import("@sealbox/core"),
    ]);
    try {
      return await runTerminalClient({
        storeUrl: options.store,
        env: { ...io.env },
        version: SEALBOX_VERSION,
      });
    } catch (error) {
      // The store could not be opened: a bad URL is usage, a refused setting the user's to fix.
      if (error instanceof StoreError && error.code === "invalid-url") throw new UsageError(error.message);
      if (error instanceof StoreError) throw new AbortError(error.message, error.code);
      throw error;
    }
  },
});
