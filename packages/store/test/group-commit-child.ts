/**
 * The child process the group-commit crash test kills with SIGKILL:
 *
 *   group-commit-child.ts sqlite|postgres URL
 *
 * It commits one group of three units ("committed" on stdout), then starts a second group of
 * eight units whose fifth stops after its write and never returns, and says "mid-group": the
 * group's transaction is open with four units written and one half done when the parent kills it.
 */
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { groupCommit, sqliteWalSync } from "../src/group-commit.js";
import { ImmediateSqliteDialect } from "../src/sqlite-dialect.js";

type Db = { units: { group_no: number; unit_no: number } };

const [engine, url] = process.argv.slice(2) as ["sqlite" | "postgres", string];
const db =
  engine === "sqlite"
    ? new Kysely<Db>({ dialect: new ImmediateSqliteDialect(sqliteFile(url), 10_000) })
    : new Kysely<Db>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
      });

function sqliteFile(path: string) {
  const database = new Database(path);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  return database;
}

// As the store opens it: on SQLite the commit is made durable from the thread pool.
const group = groupCommit(db, engine === "sqlite" ? { deferredSync: sqliteWalSync(url) } : {});
const insert = (groupNo: number, unitNo: number) =>
  group.run(async (trx) => {
    await sql`insert into units (group_no, unit_no) values (${groupNo}, ${unitNo})`.execute(trx);
    if (groupNo === 2 && unitNo === 5) {
      await sql`insert into units (group_no, unit_no) values (${groupNo}, ${unitNo + 100})`.execute(trx);
      process.stdout.write("mid-group\n");
      await new Promise(() => {});
    }
  });

await Promise.all([1, 2, 3].map((n) => insert(1, n)));
process.stdout.write("committed\n");
await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => insert(2, n)));
