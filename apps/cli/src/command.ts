import { isCoreError } from "@sealbox/core";
import { AbortError, EXIT_BUG, exitCodeFor, UsageError } from "./errors.js";
import type { CliIo } from "./io.js";
import {
  asksForHelp,
  type Occurrence,
  type OptionsSpec,
  type ParsedOptions,
  type Positionals,
  parseArgv,
  usageLine,
} from "./options.js";

/**
 * The command boundary. A command declares its positionals and options and runs with typed
 * values and a CliIo; it returns (0, or a code) or throws. `runCommand` is the one place
 * that turns what a command throws into an exit code and a message.
 */
export interface Command<O extends OptionsSpec = OptionsSpec, P extends string = string> {
  /** The words after `sealbox`: "pfx inspect". */
  readonly name: string;
  /** Positionals as the usage shows them: "FILE", "ACCOUNT [DOMAIN]", "FILE...". */
  readonly args?: P;
  /** What the user is told is missing when the positionals do not fit ("one message file"). */
  readonly expect?: string;
  readonly options: O;
  /** Lines printed under the generated usage line. */
  readonly notes?: string;
  /**
   * A public failure contract (smime, pfx): with --json an expected failure is
   * {"ok":false,"error":{"code","message"}} on stdout; without, its code is named on stderr.
   */
  readonly failureContract?: boolean;
  run(
    input: { options: ParsedOptions<O>; positionals: Positionals<P>; order: Occurrence[] },
    io: CliIo,
  ): Promise<number | undefined>;
}

export interface CommandGroup {
  /** "domain", or "domain trust" for a nested group. */
  readonly name: string;
  readonly commands: Readonly<Record<string, Command | CommandGroup>>;
  /** Lines printed under the group's usage lines. */
  readonly notes?: string;
}

export type Entry = Command | CommandGroup;

/** Declares a command with its options typed from the declaration. */
export function command<const O extends OptionsSpec, const P extends string = "">(
  spec: Command<O, P>,
): Command<O, P> {
  return spec;
}

export function group(
  name: string,
  commands: Record<string, Command | CommandGroup>,
  notes?: string,
): CommandGroup {
  return { name, commands, ...(notes ? { notes } : {}) };
}

const isGroup = (entry: Entry): entry is CommandGroup => "commands" in entry;

/** The generated usage text of a command or of every command in a group. */
export function usage(entry: Entry): string {
  if (!isGroup(entry)) {
    const line = `usage: ${usageLine(entry.name, entry.args ?? "", entry.options)}`;
    return entry.notes ? `${line}\n${indent(entry.notes)}` : line;
  }
  return ["usage:", ...usageLines(entry).map((l) => `  ${l}`)].join("\n");
}

function usageLines(entry: Entry): string[] {
  if (!isGroup(entry)) {
    const line = usageLine(entry.name, entry.args ?? "", entry.options);
    return entry.notes ? [line, ...entry.notes.split("\n").map((l) => `      ${l}`)] : [line];
  }
  return [...Object.values(entry.commands).flatMap(usageLines), ...(entry.notes?.split("\n") ?? [])];
}

const indent = (text: string) =>
  text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");

/** What the boundary knows about the run when a failure reaches it. */
interface RunContext {
  usage: string;
  json: boolean;
  failureContract: boolean;
}

const HELP_FLAGS = new Set(["--help", "-h"]);

/**
 * Resolves the subcommand, parses and validates argv, runs. Throws what the command
 * throws; tests that assert on the thrown error call this, everything else runCommand.
 */
export async function invoke(
  entry: Entry,
  argv: readonly string[],
  io: CliIo,
  context: RunContext = { usage: "", json: false, failureContract: false },
): Promise<number> {
  let current = entry;
  let rest = argv;
  while (isGroup(current)) {
    context.usage = usage(current);
    const [sub, ...tail] = rest;
    if (sub !== undefined && HELP_FLAGS.has(sub)) {
      io.stdout(`${context.usage}\n`);
      return 0;
    }
    const next = sub === undefined ? undefined : current.commands[sub];
    if (!next || !Object.hasOwn(current.commands, sub as string))
      throw new UsageError(
        sub === undefined
          ? `${current.name} needs a command: ${Object.keys(current.commands).join(", ")}`
          : `unknown command "${current.name} ${sub}"`,
      );
    current = next;
    rest = tail;
  }
  const cmd = current;
  context.usage = usage(cmd);
  context.failureContract = cmd.failureContract === true;
  if (asksForHelp(rest, cmd.options)) {
    io.stdout(`${context.usage}\n`);
    return 0;
  }
  const parsed = parseArgv(rest, cmd.options, {
    pattern: cmd.args ?? "",
    ...(cmd.expect ? { expect: cmd.expect } : {}),
  });
  context.json = (parsed.options as Record<string, unknown>).json === true;
  return (await cmd.run(parsed, io)) ?? 0;
}

/** Runs a command and maps whatever it throws to an exit code and a message: the one place. */
export async function runCommand(entry: Entry, argv: readonly string[], io: CliIo): Promise<number> {
  const context: RunContext = { usage: "", json: false, failureContract: false };
  try {
    return await invoke(entry, argv, io, context);
  } catch (error) {
    return reportFailure(error, io, context);
  }
}

/**
 * The message and exit code for a failure. Usage errors: the problem and the generated
 * usage on stderr, exit 2. Expected failures (AbortError, and CoreError: malformed input
 * the user gave): a sentence, never a stack, exit 1 or their outcome's code. Anything else
 * is a bug: its stack, exit 70.
 */
export function reportFailure(
  error: unknown,
  io: CliIo,
  context: { usage?: string; json?: boolean; failureContract?: boolean } = {},
): number {
  const expected = isCoreError(error) ? new AbortError(error.message, error.code) : error;
  if (expected instanceof AbortError) {
    if (expected.outcome === "usage") {
      io.stderr(`sealbox: ${expected.message}\n${context.usage ? `${context.usage}\n` : ""}`);
    } else if (context.failureContract && context.json) {
      io.stdout(
        `${JSON.stringify({ ok: false, error: { code: expected.code, message: expected.message } })}\n`,
      );
    } else {
      io.stderr(`sealbox: ${expected.message}${context.failureContract ? ` (${expected.code})` : ""}\n`);
    }
    return exitCodeFor(expected.outcome);
  }
  io.stderr(`sealbox: unexpected error (a bug):\n${error instanceof Error ? error.stack : String(error)}\n`);
  return EXIT_BUG;
}
