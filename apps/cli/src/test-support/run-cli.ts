import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const bin = resolve(import.meta.dirname, "../../../../bin/sealbox");

export interface CliResult {
  code: number | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

/** A fresh data folder: each test file gets its own embedded store. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "sealbox-cli-"));
}

/** Runs the built CLI through ./bin/sealbox exactly as a user would, from another cwd. */
export function cli(
  home: string,
  args: string[],
  options: { env?: Record<string, string>; input?: Buffer | string } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, {
      cwd: tmpdir(),
      env: { ...process.env, SEALBOX_HOME: home, SEALBOX_STORE: "", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", fail);
    child.on("close", (code) => {
      const stdoutBytes = Buffer.concat(out);
      done({ code, stdout: stdoutBytes.toString(), stdoutBytes, stderr: Buffer.concat(err).toString() });
    });
    child.stdin.end(options.input ?? "");
  });
}
