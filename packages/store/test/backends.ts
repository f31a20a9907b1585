import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";

/**
 * The contract suite runs every test against both engines. Each call makes a fresh,
 * empty database: a temporary SQLite file, or a new PostgreSQL database in the cluster.
 */
export interface Backend {
  name: "sqlite" | "postgres";
  fresh(): Promise<{ url: string; base: string; cleanup(): Promise<void> }>;
}

let counter = 0;

export const backends: Backend[] = [
  {
    name: "sqlite",
    async fresh() {
      const base = mkdtempSync(join(tmpdir(), "sealbox-store-"));
      return {
        url: `sqlite:${join(base, "sealbox.db")}`,
        base,
        cleanup: async () => rmSync(base, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "postgres",
    async fresh() {
      const admin = inject("postgresUrl");
      const name = `t_${process.pid}_${Date.now()}_${counter++}`;
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      await client.query(`create database ${name}`);
      await client.end();
      const url = admin.replace(/\/[^/]*$/, `/${name}`);
      return {
        url,
        base: tmpdir(),
        cleanup: async () => {
          const c = new pg.Client({ connectionString: admin });
          await c.connect();
          await c.query(`drop database if exists ${name} with (force)`);
          await c.end();
        },
      };
    },
  },
];
