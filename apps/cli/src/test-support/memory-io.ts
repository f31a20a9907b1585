import { AbortError } from "../errors.js";
import type { CliIo } from "../io.js";

export interface MemoryIo {
  io: CliIo;
  /** What the command wrote to stdout, as text and as bytes. */
  out: () => string;
  outBytes: () => Buffer;
  err: () => string;
  /** The labels the command prompted with, in order. */
  prompts: string[];
  /** Simulates Ctrl-C. */
  interrupt: () => void;
}

/**
 * A CliIo in memory, so a command runs in the test's process with no global patching:
 * stdin from `input`, secrets typed at a "terminal" from `answers` (only when `tty`).
 */
export function memoryIo(
  options: {
    env?: Record<string, string>;
    input?: string | Uint8Array;
    tty?: boolean;
    answers?: string[];
    now?: Date;
  } = {},
): MemoryIo {
  const out: Buffer[] = [];
  const err: string[] = [];
  const prompts: string[] = [];
  const answers = [...(options.answers ?? [])];
  const handlers = new Set<() => void>();
  const input = options.input ?? "";
  const io: CliIo = {
    env: { ...options.env },
    stdin: (async function* () {
      if (input.length > 0) yield typeof input === "string" ? Buffer.from(input) : input;
    })(),
    stdout: (chunk) => {
      out.push(Buffer.from(chunk));
    },
    stderr: (text) => {
      err.push(text);
    },
    isTTY: { stdin: options.tty === true, stderr: options.tty === true },
    columns: () => 80,
    promptSecret: async (label) => {
      prompts.push(label);
      const answer = answers.shift();
      if (answer === undefined) throw new AbortError("cancelled", "cancelled");
      return answer;
    },
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    now: () => options.now ?? new Date(),
  };
  return {
    io,
    out: () => Buffer.concat(out).toString(),
    outBytes: () => Buffer.concat(out),
    err: () => err.join(""),
    prompts,
    interrupt: () => {
      for (const h of handlers) h();
    },
  };
}
