import { type ChildProcess, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { resolve } from "node:path";

/** ./bin/sealbox-worker exactly as an operator runs it (the built worker; `pnpm run build` first). */
export const WORKER_BIN = resolve(import.meta.dirname, "../../../bin/sealbox-worker");

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it wrote (stdout and stderr). */
  output(): string;
  /** Resolves when the output contains `text`; rejects if it exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Every worker process this test file started: none may outlive it, whatever a test did. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/**
 * Starts a worker process with `env` on top of a clean environment (no SEALBOX_* leaks in
 * from the caller), and resolves once it logged "worker started".
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SEALBOX_")));
  const child = spawn(WORKER_BIN, [], {
    cwd: tmpdir(),
    env: { ...clean, SEALBOX_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  running.add(child);
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code) => {
      running.delete(child);
      r(code);
    }),
  );
  const waitFor = async (text: string, timeoutMs = 30_000) => {
    const started = Date.now();
    while (!out.includes(text)) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`worker exited (${child.exitCode ?? child.signalCode}) before "${text}":\n${out}`);
      if (Date.now() - started > timeoutMs)
        throw new Error(`worker did not log "${text}" in ${timeoutMs} ms:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const worker: WorkerProcess = {
    child,
    output: () => out,
    waitFor,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  try {
    await waitFor("worker started");
  } catch (error) {
    worker.kill("SIGKILL"); // never leave a half-started worker behind
    throw error;
  }
  return worker;
}
