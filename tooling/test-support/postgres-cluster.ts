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
  const child: ChildProcess = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  const url = `postgres://sealbox@127.0.0.1:${port}/postgres`;
  const started = Date.now();
  for (;;) {
    if (/ready to accept connections/.test(log)) break;
    if (child.exitCode !== null) throw new Error(`postgres exited early:\n${log}`);
    if (Date.now() - started > 60_000) throw new Error(`postgres did not start in 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        // SIGINT = fast shutdown. Signal the postmaster itself: as root the child is runuser,
        // which ignores SIGINT while it waits, so signalling it would orphan postgres.
        child.kill("SIGINT");
        try {
          const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
          if (pid > 0) process.kill(pid, "SIGINT");
        } catch {
          // already gone
        }
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer); // a pending 10 s timer would keep the test run alive for nothing
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      // Let go of the log pipe: a straggling postgres helper holding it must not keep the test run alive.
      child.stderr?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
