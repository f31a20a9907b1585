#!/usr/bin/env node
import { SEALBOX_VERSION } from "@sealbox/core";
import { type Entry, reportFailure, runCommand } from "./command.js";
import { UsageError } from "./errors.js";
import { HELP } from "./help.js";
import type { CliIo } from "./io.js";
import { processIo } from "./process-io.js";

/**
 * Every command, by its first word. Each module exports `entry` (a command or a group of
 * subcommands). They load lazily: `sealbox --version` and the plain script commands never
 * load Ink, React or the store unless they use them, so they start fast.
 */
const commands: Record<string, () => Promise<Entry>> = {
  ui: async () => (await import("./commands/ui.js")).entry,
  store: async () => (await import("./commands/store.js")).entry,
  smime: async () => (await import("./commands/smime.js")).entry,
  pfx: async () => (await import("./commands/pfx.js")).entry,
  cert: async () => (await import("./commands/cert.js")).entry,
  domain: async () => (await import("./commands/domain.js")).entry,
  account: async () => (await import("./commands/account.js")).entry,
  mailbox: async () => (await import("./commands/mailbox.js")).entry,
  message: async () => (await import("./commands/message.js")).entry,
  rule: async () => (await import("./commands/rule.js")).entry,
  deliver: async () => (await import("./commands/deliver.js")).entry,
  "secure-mail": async () => (await import("./commands/secure-mail.js")).entry,
  ca: async () => (await import("./commands/ca.js")).entry,
  send: async () => (await import("./commands/send.js")).entry,
  worker: async () => (await import("./commands/worker.js")).entry,
};

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-V") {
    io.stdout(`sealbox ${SEALBOX_VERSION}\n`);
    return 0;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    io.stdout(HELP);
    return 0;
  }
  // Alone on a terminal (or with only `--store URL`), `sealbox` is the mail client; without one,
  // the help (exit 2 via `ui`).
  const client = first === undefined || first === "--store" || first.startsWith("--store=");
  const name = client ? "ui" : first;
  const args = client ? argv : rest;
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) return reportFailure(new UsageError(`unknown command "${name}" (see sealbox --help)`), io);
  let entry: Entry;
  try {
    entry = await load();
  } catch (error) {
    return reportFailure(error, io);
  }
  return runCommand(entry, args, io);
}

const io = processIo();
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportFailure(error, io);
  },
);
