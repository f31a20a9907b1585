import { CoreError } from "@sealbox/core";
import {
  defaultStoreUrl,
  openStore,
  resolveServerSecret,
  type Store,
  StoreError,
  type StoreLogger,
} from "@sealbox/store";
import type { ParsedArgs } from "../args.js";
import { flagValue } from "../args.js";
import { readCliEnv } from "../env.js";
import { AbortError, UsageError } from "../errors.js";

/** Where a command writes; tests and the terminal UI can pass their own. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CliIo = {
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** Warnings (e.g. "stored unencrypted: …") on stderr; routine events stay quiet. */
export function cliLogger(io: CliIo): StoreLogger {
  return {
    info: () => {},
    warn: (fields, message) => {
      const reason = typeof fields.reason === "string" ? `: ${fields.reason}` : "";
      io.stderr(`sealbox: ${message}${reason}\n`);
    },
  };
}

/**
 * Opens the store from `--store URL`, else SEALBOX_STORE, else the embedded file in the
 * data folder; runs `fn`; closes it. A StoreError is something the user can fix (unknown
 * account, name taken, bad value): it becomes an AbortError (exit 1) with its message.
 */
export async function withStore<T>(
  args: ParsedArgs,
  usage: string,
  io: CliIo,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const env = readCliEnv(io.env);
  const url = flagValue(args, "store", usage) ?? env.storeUrl ?? defaultStoreUrl(env.home);
  let store: Store;
  try {
    store = await openStore(url, {
      base: env.home,
      logger: cliLogger(io),
      serverSecret: resolveServerSecret({ secret: env.secret, dataFolder: env.home }),
      ...(env.publicUrl ? { publicUrl: env.publicUrl } : {}),
    });
  } catch (error) {
    if (error instanceof StoreError && error.code === "invalid-url") throw new UsageError(error.message);
    // A setting the store refuses (e.g. SEALBOX_PUBLIC_URL) is the user's to fix, not a bug.
    if (error instanceof StoreError && error.code === "invalid-argument")
      throw new AbortError(error.message, error.code);
    throw error;
  }
  try {
    return await fn(store);
  } catch (error) {
    if (error instanceof StoreError) throw new AbortError(error.message, error.code);
    if (error instanceof CoreError) throw new AbortError(error.message, error.code);
    throw error;
  } finally {
    await store.close();
  }
}

/** `on`/`off` (also yes/no, true/false) for switches like --smime. */
export function onOff(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (["on", "yes", "true", "1"].includes(v)) return true;
  if (["off", "no", "false", "0"].includes(v)) return false;
  throw new UsageError(`--${flag} takes on or off (got "${value}")`);
}

export function onePositional(args: ParsedArgs, what: string, usage: string): string {
  if (args.positionals.length !== 1) throw new UsageError(`expected ${what}\n${usage}`);
  return args.positionals[0] as string;
}

export function json(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`);
}

/** A plain text table: columns padded to the widest cell, for humans (scripts use --json). */
export function table(io: CliIo, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  io.stdout(`${[line(header), ...rows.map(line)].join("\n")}\n`);
}
