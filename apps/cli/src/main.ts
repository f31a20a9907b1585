#!/usr/bin/env node
import { SEALBOX_VERSION } from "@sealbox/core";
import { AbortError, EXIT_BUG, EXIT_FAILURE, EXIT_USAGE, UsageError } from "./errors.js";
import { HELP } from "./help.js";

type Command = (args: string[]) => Promise<number>;

/**
 * Commands load lazily: `sealbox --version` and the plain script commands never load Ink,
 * React or the store unless they use them, so they start fast.
 */
const commands: Record<string, () => Promise<Command>> = {
  ui: async () => (await import("./commands/ui.js")).run,
  store: async () => (await import("./commands/store.js")).run,
  smime: async () => (await import("./commands/smime.js")).run,
  pfx: async () => (await import("./commands/pfx.js")).run,
  domain: async () => (await import("./commands/domain.js")).run,
  account: async () => (await import("./commands/account.js")).run,
  mailbox: async () => (await import("./commands/mailbox.js")).run,
  message: async () => (await import("./commands/message.js")).run,
  rule: async () => (await import("./commands/rule.js")).run,
  deliver: async () => (await import("./commands/deliver.js")).run,
  "secure-mail": async () => (await import("./commands/secure-mail.js")).run,
  ca: async () => (await import("./commands/ca.js")).run,
  send: async () => (await import("./commands/send.js")).run,
  worker: async () => (await import("./commands/worker.js")).run,
};

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-V") {
    process.stdout.write(`sealbox ${SEALBOX_VERSION}\n`);
    return 0;
  }
  // Alone on a terminal, `sealbox` is the mail client; without one, the help (exit 2 via `ui`).
  if (first === undefined) return (await load("ui"))([]);
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  return (await load(first))(rest);
}

async function load(name: string): Promise<Command> {
  const loader = commands[name];
  if (!loader) throw new UsageError(`unknown command "${name}" (see sealbox --help)`);
  return loader();
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`sealbox: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
    } else if (error instanceof AbortError) {
      process.stderr.write(`sealbox: ${error.message}\n`);
      process.exitCode = EXIT_FAILURE;
    } else {
      process.stderr.write(
        `sealbox: unexpected error (a bug):\n${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exitCode = EXIT_BUG;
    }
  },
);
