import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { pgBin } from "./postgres-cluster.js";

/** A fresh, empty database: a temporary SQLite file, or a new database in the run's cluster. */
export interface Backend {
  name: "sqlite" | "postgres";
  fresh(): Promise<{ url: string; base: string; cleanup(): Promise<void> }>;
}

let counter = 0;

/** createdb/dropdb against the cluster (the worker has no SQL driver of its own: SQL lives in store). */
function pgAdmin(command: "createdb" | "dropdb", url: string, name: string, extra: string[] = []): void {
  const u = new URL(url);
  execFileSync(
    pgBin(command),
    ["-h", u.hostname, "-p", u.port, "-U", decodeURIComponent(u.username), ...extra, name],
    { stdio: "pipe" },
  );
}

export const sqlite: Backend = {
  name: "sqlite",
  async fresh() {
    const base = mkdtempSync(join(tmpdir(), "sealbox-worker-"));
    return {
      url: `sqlite:${join(base, "sealbox.db")}`,
      base,
      cleanup: async () => rmSync(base, { recursive: true, force: true }),
    };
  },
};

export const postgres: Backend = {
  name: "postgres",
  async fresh() {
    const admin = inject("postgresUrl");
    const name = `w_${process.pid}_${Date.now()}_${counter++}`;
    pgAdmin("createdb", admin, name);
    const base = mkdtempSync(join(tmpdir(), "sealbox-worker-pg-"));
    return {
      url: admin.replace(/\/[^/]*$/, `/${name}`),
      base,
      cleanup: async () => {
        pgAdmin("dropdb", admin, name, ["--if-exists", "--force"]);
        rmSync(base, { recursive: true, force: true });
      },
    };
  },
};

export const backends: Backend[] = [sqlite, postgres];
