import { AbortError } from "./errors.js";
import type { CliIo } from "./io.js";

/** The real process as a CliIo: the only place commands' input and output meet process.*. */
export function processIo(): CliIo {
  // A reader that stops early (`sealbox mailbox export … | head`) closes the pipe: stop
  // quietly, as other Unix tools do, instead of dying with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  return {
    env: process.env,
    stdin: process.stdin,
    stdout: (chunk) => {
      process.stdout.write(chunk);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    isTTY: { stdin: process.stdin.isTTY === true, stderr: process.stderr.isTTY === true },
    columns: () => process.stderr.columns || 80,
    promptSecret: (label) => promptHidden(`${label}: `),
    onInterrupt: (handler) => {
      process.on("SIGINT", handler);
      return () => process.off("SIGINT", handler);
    },
    now: () => new Date(),
  };
}

/** Reads one line from the terminal without echoing it. Backspace and Ctrl-U edit; Ctrl-C cancels. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
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
          reject(new AbortError("cancelled", "cancelled"));
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
