import { StoreError } from "@sealbox/store";
import type { ParsedArgs } from "../args.js";
import { flagValue, parseArgs } from "../args.js";
import { AbortError, UsageError } from "../errors.js";

const USAGE = "usage: sealbox ui [--store URL]";

/** True when both ends are a terminal: the client reads keys and draws a screen. */
export function onTerminal(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/**
 * `sealbox ui` (and `sealbox` alone on a terminal): the terminal mail client. The only
 * command that loads Ink and React. Without a terminal there is nothing to draw on: help, exit 2.
 */
export async function run(argv: string[]): Promise<number> {
  const args: ParsedArgs = parseArgs(argv, { store: "string" }, USAGE);
  if (args.positionals.length > 0)
    throw new UsageError(`unexpected argument "${args.positionals[0]}"\n${USAGE}`);
  const storeUrl = flagValue(args, "store", USAGE);
  if (!onTerminal()) {
    const { HELP } = await import("../help.js");
    process.stderr.write(`sealbox: the terminal client needs a terminal\n\n${HELP}`);
    return 2;
  }
  const [{ runTerminalClient }, { SEALBOX_VERSION }] = await Promise.all([
    import("../ui/run.js"),
    import("@sealbox/core"),
  ]);
  try {
    return await runTerminalClient({ storeUrl, env: process.env, version: SEALBOX_VERSION });
  } catch (error) {
    // The store could not be opened: a bad URL is usage, a refused setting the user's to fix.
    if (error instanceof StoreError && error.code === "invalid-url") throw new UsageError(error.message);
    if (error instanceof StoreError) throw new AbortError(error.message, error.code);
    throw error;
  }
}
