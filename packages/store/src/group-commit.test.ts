import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../test/backends.js";
import { type DeferredSync, groupCommit, sqliteWalSync } from "./group-commit.js";
import { ImmediateSqliteDialect } from "./sqlite-dialect.js";

type Db = { units: { group_no: number; unit_no: number } };

// The crash child runs TypeScript sources through tsx (a devDependency of this package).
const tsx = createRequire(import.meta.url).resolve("tsx");
const child = fileURLToPath(new URL("../test/group-commit-child.ts", import.meta.url));

/** The group's database, and a second connection that sees only what was committed. */
interface Target {
  db: Kysely<Db>;
  /** Rows as a reader outside the group's transaction sees them. */
  committed(): Promise<Array<{ group_no: number; unit_no: number }>>;
  /** What the crash child is given. */
  childUrl: string;
  close(): Promise<void>;
}

async function open(backend: (typeof backends)[number]): Promise<Target> {
  const fresh = await backend.fresh();
  if (backend.name === "sqlite") {
    const path = fresh.url.slice("sqlite:".length);
    const database = new Database(path);
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = FULL");
    const db = new Kysely<Db>({ dialect: new ImmediateSqliteDialect(database, 10_000) });
    await sql`create table units (group_no integer not null, unit_no integer not null primary key)`.execute(
      db,
    );
    const reader = new Database(path, { readonly: true });
    return {
      db,
      committed: async () =>
        reader.prepare("select group_no, unit_no from units order by unit_no").all() as Array<{
          group_no: number;
          unit_no: number;
        }>,
      childUrl: path,
      close: async () => {
        reader.close();
        await db.destroy();
        await fresh.cleanup();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: fresh.url, max: 4 });
  const db = new Kysely<Db>({ dialect: new PostgresDialect({ pool }) });
  await sql`create table units (group_no integer not null, unit_no integer not null primary key)`.execute(db);
  // A pool: several callers check what is committed at once.
  const reader = new pg.Pool({ connectionString: fresh.url, max: 4 });
  // Dropping the database at the end ends idle connections; that is not a failure here.
  for (const p of [pool, reader]) p.on("error", () => {});
  return {
    db,
    committed: async () =>
      (await reader.query("select group_no, unit_no from units order by unit_no")).rows as Array<{
        group_no: number;
        unit_no: number;
      }>,
    childUrl: fresh.url,
    close: async () => {
      await reader.end();
      await db.destroy();
      await fresh.cleanup();
    },
  };
}

describe.each(backends)("group commit on $name", (backend) => {
  let target: Target;

  beforeAll(async () => {
    target = await open(backend);
  });
  afterAll(() => target.close());

  const clear = () => sql`delete from units`.execute(target.db);

  it("commits concurrent units in one shared transaction; each caller resolves after the commit", async () => {
    await clear();
    const group = groupCommit(target.db);
    const transactions = new Set<object>();
    const visibleAtResolve: number[][] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        group
          .run(async (trx) => {
            transactions.add(trx);
            await sql`insert into units (group_no, unit_no) values (1, ${i})`.execute(trx);
            return i;
          })
          .then(async (value) => {
            expect(value).toBe(i);
            // Resolved means committed: a reader outside the transaction already sees the row.
            visibleAtResolve.push((await target.committed()).map((r) => r.unit_no));
            expect(visibleAtResolve.at(-1)).toContain(i);
          }),
      ),
    );
    // Twenty units that arrived together: one transaction, one commit.
    expect(transactions.size).toBe(1);
    expect((await target.committed()).map((r) => r.unit_no)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("waits a few turns of the event loop for units still arriving (lingerTurns)", async () => {
    await clear();
    const turn = () => new Promise((r) => setImmediate(r));
    const count = async (lingerTurns: number) => {
      const group = groupCommit(target.db, { lingerTurns });
      const transactions = new Set<object>();
      let unitNo = lingerTurns * 100;
      // Units arriving one turn apart, as deliveries whose data comes in on successive polls.
      const runs: Array<Promise<unknown>> = [];
      for (let i = 0; i < 3; i++) {
        const n = unitNo++;
        runs.push(
          group.run(async (trx) => {
            transactions.add(trx);
            await sql`insert into units (group_no, unit_no) values (1, ${n})`.execute(trx);
          }),
        );
        await turn();
      }
      await Promise.all(runs);
      return transactions.size;
    };
    // On SQLite a group's queries finish within its turn, so without lingering the next
    // unit starts another group; on PostgreSQL they wait on the network and units arriving
    // meanwhile join the running group anyway.
    if (backend.name === "sqlite") expect(await count(0)).toBeGreaterThan(1);
    expect(await count(3)).toBe(1);
  });

  it("takes at most maxUnits per transaction; the rest follow in the next group", async () => {
    await clear();
    const group = groupCommit(target.db, { maxUnits: 4 });
    const transactions = new Set<object>();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        group.run(async (trx) => {
          transactions.add(trx);
          await sql`insert into units (group_no, unit_no) values (1, ${i})`.execute(trx);
        }),
      ),
    );
    expect(transactions.size).toBe(3);
    expect(await target.committed()).toHaveLength(10);
  });

  it("a failing unit rolls back only itself; only its caller sees the error", async () => {
    await clear();
    const group = groupCommit(target.db);
    const transactions = new Set<object>();
    const settled = await Promise.allSettled(
      Array.from({ length: 9 }, (_, i) =>
        group.run(async (trx) => {
          transactions.add(trx);
          await sql`insert into units (group_no, unit_no) values (1, ${i})`.execute(trx);
          // A unit that wrote and then failed in its own code.
          if (i === 3) throw new Error("unit 3 refused");
          // A unit that fails in the database: a duplicate key after a good write of its own.
          if (i === 6) {
            await sql`insert into units (group_no, unit_no) values (1, ${i + 100})`.execute(trx);
            await sql`insert into units (group_no, unit_no) values (1, 0)`.execute(trx);
          }
        }),
      ),
    );
    expect(transactions.size).toBe(1);
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    expect(String((settled[3] as PromiseRejectedResult).reason)).toMatch(/unit 3 refused/);
    expect(String((settled[6] as PromiseRejectedResult).reason)).toMatch(/unique|UNIQUE|duplicate/);
    expect((await target.committed()).map((r) => r.unit_no)).toEqual([0, 1, 2, 4, 5, 7, 8]);
  });

  it("a SIGKILL in the middle of a group leaves none of that group's units written", async () => {
    await clear();
    const p = spawn(
      process.execPath,
      ["--conditions=@sealbox/source", "--import", tsx, child, backend.name, target.childUrl],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    p.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise((r) => p.once("exit", r));
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let out = "";
      p.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        const parts = out.split("\n");
        out = parts.pop() ?? "";
        lines.push(...parts);
        if (parts.includes("mid-group")) resolve();
      });
      p.once("exit", (code) => reject(new Error(`child exited (${code}) before the kill: ${stderr}`)));
    });
    expect(lines).toEqual(["committed", "mid-group"]);
    // Four units of the group done and one half done, all in the open transaction.
    p.kill("SIGKILL");
    await exited;
    const rows = await target.committed();
    expect(rows).toEqual([
      { group_no: 1, unit_no: 1 },
      { group_no: 1, unit_no: 2 },
      { group_no: 1, unit_no: 3 },
    ]);
    // The database is usable after the crash: the lock the child held is gone.
    await groupCommit(target.db).run((trx) =>
      sql`insert into units (group_no, unit_no) values (3, 1000)`.execute(trx),
    );
    expect(await target.committed()).toHaveLength(4);
  });
});

describe("group commit on SQLite with the WAL synced from the thread pool", () => {
  let target: Target;
  const sqliteBackend = backends.find((b) => b.name === "sqlite") as (typeof backends)[number];

  beforeAll(async () => {
    target = await open(sqliteBackend);
  });
  afterAll(() => target.close());

  const synchronous = async (q: Kysely<Db>) =>
    Number(Object.values((await sql`pragma synchronous`.execute(q)).rows[0] as object)[0]);

  it("commits the group with synchronous=NORMAL and gives the connection back with FULL", async () => {
    const group = groupCommit(target.db, { deferredSync: sqliteWalSync(target.childUrl) });
    const inside = await group.run(async (trx) => {
      await sql`insert into units (group_no, unit_no) values (1, 1)`.execute(trx);
      return synchronous(trx);
    });
    expect(inside).toBe(1); // NORMAL: the WAL is fsynced by sqliteWalSync, not by COMMIT
    expect(await synchronous(target.db)).toBe(2); // FULL for every other write
    expect(await target.committed()).toContainEqual({ group_no: 1, unit_no: 1 });
  });

  it("tells no caller before the sync has returned, while the next group commits meanwhile", async () => {
    await sql`delete from units`.execute(target.db);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let syncs = 0;
    const held: DeferredSync = {
      ...sqliteWalSync(target.childUrl),
      async sync() {
        // The first group's sync waits for the gate; later ones go through.
        if (syncs++ === 0) await gate;
      },
    };
    const group = groupCommit(target.db, { deferredSync: held });
    let firstResolved = false;
    const first = group
      .run((trx) => sql`insert into units (group_no, unit_no) values (1, 1)`.execute(trx))
      .then(() => {
        firstResolved = true;
      });
    // Committed (a reader sees it) but its sync has not returned: its caller still waits.
    for (let i = 0; i < 50 && (await target.committed()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await target.committed()).toHaveLength(1);
    expect(firstResolved).toBe(false);
    // The next group does not wait for the first one's sync.
    await group.run((trx) => sql`insert into units (group_no, unit_no) values (2, 2)`.execute(trx));
    expect(firstResolved).toBe(false);
    release();
    await first;
    expect(firstResolved).toBe(true);
  });

  it("a failed sync fails the group's callers (the commit's durability is unknown)", async () => {
    const failing: DeferredSync = {
      ...sqliteWalSync(target.childUrl),
      sync: async () => {
        throw new Error("EIO on fsync");
      },
    };
    const group = groupCommit(target.db, { deferredSync: failing });
    await expect(
      group.run((trx) => sql`insert into units (group_no, unit_no) values (3, 3)`.execute(trx)),
    ).rejects.toThrow(/EIO on fsync/);
    expect(await synchronous(target.db)).toBe(2);
  });
});

describe("sqliteWalSync's file descriptor", () => {
  /** The descriptors of this process open on `path` (Linux /proc), with " (deleted)" for an unlinked one. */
  const descriptorsOn = (path: string) =>
    readdirSync("/proc/self/fd").flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        return target.startsWith(path) ? [target] : [];
      } catch {
        return [];
      }
    });

  it("opens the WAL once for every sync, and reopens it when the file it holds was removed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sealbox-walsync-"));
    const database = join(dir, "store.db");
    const wal = `${database}-wal`;
    writeFileSync(wal, "frames");
    const walSync = sqliteWalSync(database);
    try {
      for (let i = 0; i < 5; i++) await walSync.sync();
      expect(descriptorsOn(wal)).toEqual([wal]);
      // Removed and created again (never by SQLite while a connection is open): the next sync syncs the new file.
      unlinkSync(wal);
      writeFileSync(wal, "new frames");
      await walSync.sync();
      expect(descriptorsOn(wal)).toEqual([wal]);
    } finally {
      walSync.close?.();
      await new Promise((r) => setTimeout(r, 20));
      rmSync(dir, { recursive: true, force: true });
    }
    expect(descriptorsOn(wal)).toEqual([]);
  });
});
