import { AbortError, UsageError } from "../errors.js";
import type { CliIo } from "../io.js";

/** Reads a secret from the variable a `--…-env` flag names. Set-but-empty is the empty string. */
export function secretFromEnv(io: CliIo, variable: string, flag: string): string {
  if (!Object.hasOwn(io.env, variable))
    throw new UsageError(
      `environment variable ${variable} is not set (named by --${flag}); set it to "" for an empty value`,
    );
  return io.env[variable] ?? "";
}

/**
 * A secret for a command: from the environment variable a `--…-env` flag names (set to ""
 * = the empty string; unset = usage error), else — only when stdin is a terminal — a
 * masked prompt. Never from argv, where `ps` shows it. Scripts without a terminal and
 * without the flag get a usage error (exit 2) instead of hanging.
 */
export async function readSecret(
  io: CliIo,
  from: { flag: string; variable: string | undefined; label: string; confirm?: boolean },
): Promise<string> {
  if (from.variable !== undefined) return secretFromEnv(io, from.variable, from.flag);
  if (!io.isTTY.stdin) throw new UsageError(`--${from.flag} VAR is required when stdin is not a terminal`);
  const value = await io.promptSecret(from.label);
  if (from.confirm && (await io.promptSecret(`${from.label} (again)`)) !== value)
    throw new AbortError("the two entries differ; nothing was changed", "mismatch");
  return value;
}
