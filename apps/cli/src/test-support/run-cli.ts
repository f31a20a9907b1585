import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The checkout's bin/sealbox, as a user runs it. */
export const bin = resolve(import.meta.dirname, "../../../../bin/sealbox");

export interface CliResult {
  code: number | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
  /** With `watchMemory`: the process's peak resident set (VmHWM) in bytes, sampled until it ends. */
  peakRss?: number;
}

/** VmHWM of a running process in bytes; undefined once it is gone. */
function peakRssOf(pid: number): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** A fresh data folder: each test file gets its own embedded store. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "sealbox-cli-"));
}

/** Runs the built CLI through ./bin/sealbox exactly as a user would, from another cwd. */
export function cli(
  home: string,
  args: string[],
  options: { env?: Record<string, string>; input?: Buffer | string; watchMemory?: boolean } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, {
      cwd: tmpdir(),
      env: { ...process.env, SEALBOX_HOME: home, SEALBOX_STORE: "", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    // bin/sealbox execs node: the child's pid is the CLI's own.
    let peakRss: number | undefined;
    const watch = options.watchMemory
      ? setInterval(() => {
          const now = child.pid === undefined ? undefined : peakRssOf(child.pid);
          if (now !== undefined) peakRss = Math.max(peakRss ?? 0, now);
        }, 10)
      : undefined;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", fail);
    child.on("close", (code) => {
      if (watch) clearInterval(watch);
      const stdoutBytes = Buffer.concat(out);
      done({
        code,
        stdout: stdoutBytes.toString(),
        stdoutBytes,
        stderr: Buffer.concat(err).toString(),
        ...(peakRss !== undefined ? { peakRss } : {}),
      });
    });
    child.stdin.end(options.input ?? "");
  });
}
