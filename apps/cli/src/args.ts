import { UsageError } from "./errors.js";

/**
 * A small, strict flag parser for the script commands (no dependency, fast start).
 * Flags may repeat; `order` keeps every occurrence in sequence so commands can pair
 * flags (`--pfx A --password-env X --pfx B --password-env Y`).
 */
export type FlagKind = "string" | "boolean";
export type FlagSpec = Record<string, FlagKind>;

export interface ParsedArgs {
  positionals: string[];
  order: Array<{ name: string; value: string | true }>;
}

export function parseArgs(argv: readonly string[], spec: FlagSpec, usage: string): ParsedArgs {
  const positionals: string[] = [];
  const order: ParsedArgs["order"] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown flag --${name}\n${usage}`);
    if (kind === "boolean") {
      if (eq !== -1) throw new UsageError(`--${name} takes no value\n${usage}`);
      order.push({ name, value: true });
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value\n${usage}`);
    order.push({ name, value });
  }
  return { positionals, order };
}

export function flagValues(args: ParsedArgs, name: string): string[] {
  return args.order
    .filter((o) => o.name === name && typeof o.value === "string")
    .map((o) => o.value as string);
}

export function flagValue(args: ParsedArgs, name: string, usage: string): string | undefined {
  const values = flagValues(args, name);
  if (values.length > 1) throw new UsageError(`--${name} given more than once\n${usage}`);
  return values[0];
}

export function hasFlag(args: ParsedArgs, name: string): boolean {
  return args.order.some((o) => o.name === name);
}

export function requireFlag(args: ParsedArgs, name: string, usage: string): string {
  const value = flagValue(args, name, usage);
  if (value === undefined) throw new UsageError(`--${name} is required\n${usage}`);
  return value;
}
