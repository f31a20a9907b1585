import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throwaway PostgreSQL cluster on loopback, shared by the store and worker tests,
 * and the worker benchmark: `durable` keeps fsync on (the benchmark measures durable commits; tests
 * run with fsync off). PostgreSQL refuses to run as root, so as root we run initdb/postgres
 * as the `postgres` user via runuser.
 */
export interface PostgresCluster {
  url: string;
  /**
   * Shuts the server down and keeps the data directory: `fast` ends every session with
   * an error and checkpoints, `immediate` quits without a checkpoint (crash recovery on start).
   * Resolves once the postmaster has exited.
   */
  halt(mode: "fast" | "immediate"): Promise<void>;
  /** Starts the server again on the same port and data directory (after halt). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function pgBin(name: string): string {
  const root = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  } catch {
    throw new Error(
      "PostgreSQL is not installed (Debian package `postgresql`); run the README's test command",
    );
  }
  const version = versions[0];
  if (!version) throw new Error("no PostgreSQL version under /usr/lib/postgresql");
  return join(root, version, "bin", name);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function asPostgresUser(command: string, args: string[]): [string, string[]] {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

export async function startPostgresCluster(options: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-pg-"));
  chmodSync(dir, 0o777);
  const dataDir = join(dir, "data");
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres:postgres", dir]);
  const [initCmd, initArgs] = asPostgresUser(pgBin("initdb"), [
    "-D",
    dataDir,
    "-U",
    "sealbox",
    "--auth=trust",
    "--encoding=UTF8",
    ...(options.durable ? [] : ["--no-sync"]),
  ]);
  execFileSync(initCmd, initArgs, { stdio: "pipe" });
  const port = await freePort();
  const [cmd, args] = asPostgresUser(pgBin("postgres"), [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-h",
    "127.0.0.1",
    "-k",
    dir,
    ...(options.durable ? ["-c", "fsync=on", "-c", "synchronous_commit=on"] : ["-c", "fsync=off"]),
    "-c",
    "max_connections=200",
  ]);
  const url = `postgres://sealbox@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    child?.stderr?.destroy(); // the previous run's log pipe, after a halt
    const started = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    child = started;
    let log = "";
    started.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    const since = Date.now();
    for (;;) {
      if (/ready to accept connections/.test(log)) break;
      if (started.exitCode !== null) throw new Error(`postgres exited early:\n${log}`);
      if (Date.now() - since > 60_000) throw new Error(`postgres did not start in 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Signals the postmaster (SIGINT fast, SIGQUIT immediate) and waits up to `waitMs` for it to exit. */
  async function shutdown(signal: "SIGINT" | "SIGQUIT", waitMs: number): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once("exit", r));
    // Signal the postmaster itself: as root the child is runuser, which ignores SIGINT
    // while it waits, so signalling it would orphan postgres.
    running.kill(signal);
    try {
      const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
      if (pid > 0) process.kill(pid, signal);
    } catch {
      // already gone
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer); // a pending timer would keep the test run alive for nothing
  }

  await launch();
  return {
    url,
    async halt(mode) {
      await shutdown(mode === "fast" ? "SIGINT" : "SIGQUIT", 60_000);
      if (child && child.exitCode === null && child.signalCode === null)
        throw new Error(`postgres did not stop (${mode}) in 60 s`);
      // The postmaster's children are gone too once it has exited; its pid file says so.
      for (const since = Date.now(); Date.now() - since < 30_000; ) {
        try {
          readFileSync(join(dataDir, "postmaster.pid"));
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async start() {
      if (child && child.exitCode === null && child.signalCode === null)
        throw new Error("postgres is still running");
      await launch();
    },
    async stop() {
      await shutdown("SIGINT", 10_000);
      if (child && child.exitCode === null) child.kill("SIGKILL");
      // Let go of the log pipe: a straggling postgres helper holding it must not keep the test run alive.
      child?.stderr?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
