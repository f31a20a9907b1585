import { flagValue, type ParsedArgs } from "../args.js";
import { secretFromEnv } from "../env.js";
import { AbortError, UsageError } from "../errors.js";
import type { CliIo } from "./cli-store.js";

/**
 * A secret for a command: from the environment variable a `--…-env` flag names (set to ""
 * = the empty string; unset = usage error), else — only when stdin is a terminal — a
 * masked prompt. Never from argv, where `ps` shows it. Scripts without a terminal and
 * without the flag get a usage error (exit 2) instead of hanging.
 */
export async function readSecret(
  args: ParsedArgs,
  flag: string,
  label: string,
  usage: string,
  io: CliIo,
  options: { confirm?: boolean } = {},
): Promise<string> {
  const variable = flagValue(args, flag, usage);
  if (variable !== undefined) {
    const value = secretFromEnv(variable, io.env);
    if (value === undefined)
      throw new UsageError(
        `environment variable ${variable} (from --${flag}) is not set; set it to "" for an empty value`,
      );
    return value;
  }
  if (!process.stdin.isTTY)
    throw new UsageError(`--${flag} VAR is required when stdin is not a terminal\n${usage}`);
  const value = await promptHidden(`${label}: `, io);
  if (options.confirm && (await promptHidden(`${label} (again): `, io)) !== value)
    throw new AbortError("the two entries differ; nothing was changed");
  return value;
}

/** Reads one line from the terminal without echoing it. Backspace and Ctrl-U edit; Ctrl-C cancels. */
function promptHidden(question: string, io: CliIo): Promise<string> {
  const stdin = process.stdin;
  io.stderr(question);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr("\n");
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          done();
          resolve(value);
          return;
        }
        if (ch === "\u0003" || ch === "\u0004") {
          done();
          reject(new AbortError("cancelled"));
          return;
        }
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch === "\u0015") value = "";
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
