/**
 * Everything a command touches outside its arguments, handed in: the real process for
 * `sealbox`, an in-memory one in tests (test-support/memory-io.ts) and the terminal UI.
 * No command reads process.stdin/stdout/env directly.
 */
export interface CliIo {
  /** The environment (secrets come from the variables `--…-env` flags name). */
  env: Readonly<Record<string, string | undefined>>;
  /** Standard input as bytes (deliver and send read the message from it). */
  stdin: AsyncIterable<Uint8Array>;
  stdout: (chunk: string | Uint8Array) => void;
  stderr: (text: string) => void;
  /** Whether stdin (may prompt) and stderr (may draw progress) are terminals. */
  isTTY: { stdin: boolean; stderr: boolean };
  /** Terminal width for progress bars. */
  columns: () => number;
  /** Asks for a secret on the terminal without echoing it; rejects with AbortError on Ctrl-C. */
  promptSecret: (label: string) => Promise<string>;
  /** Calls `handler` on Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt: (handler: () => void) => () => void;
  now: () => Date;
}
