/**
 * Listing benchmark: a 100,000-message mailbox, then the time to list
 * the first page, a page from the middle (by keyset cursor) and a subject search.
 *
 *   node --conditions=@sealbox/source --import tsx bench/listing.ts [--messages N]
 *   On PostgreSQL too: a throwaway cluster on loopback (as the tests start one), or the server
 *   SEALBOX_BENCH_PG=postgres://user@host:port/db names, in a temporary database it creates
 *   next to `db` and drops afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { storeInternals } from "../src/internals.js";
import { silentLogger } from "../src/logger.js";
import { encodeCursor } from "../src/mail/message-page.js";
import { openStore, type Store } from "../src/open-store.js";
import { type PostgresCluster, startPostgresCluster } from "../test/postgres-cluster.js";
import { fillMailbox } from "./fill-mailbox.js";

const COUNT = Number(process.argv[process.argv.indexOf("--messages") + 1]) || 100_000;
const PAGE = 50;
const RUNS = 15;

async function fill(store: Store): Promise<{ accountId: string; mailboxId: string }> {
  const { account } = await store.accounts.add("bench@bench.example", {
    password: "bench-password",
    createDomain: true,
  });
  const inbox = await store.mailboxes.require(account.id, "INBOX");
  await fillMailbox(store, inbox.id, COUNT);
  return { accountId: account.id, mailboxId: inbox.id };
}

async function time(label: string, fn: () => Promise<number>): Promise<string> {
  await fn(); // warm up
  const samples: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    rows = await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(RUNS / 2)] as number;
  const p90 = samples[Math.floor(RUNS * 0.9)] as number;
  return `  ${label.padEnd(34)} median ${median.toFixed(2).padStart(7)} ms   p90 ${p90.toFixed(2).padStart(7)} ms   (${rows} rows)`;
}

async function bench(name: string, url: string, base: string): Promise<void> {
  const store = await openStore(url, {
    base,
    logger: silentLogger,
    passwordHashing: { logN: 10, r: 8, p: 1 },
  });
  try {
    const t0 = performance.now();
    const { accountId, mailboxId } = await fill(store);
    console.log(
      `${name}: filled ${COUNT.toLocaleString("en")} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const middle = await storeInternals(store)
      .db.selectFrom("messages")
      .select(["date", "id"])
      .where("mailbox_id", "=", mailboxId)
      .orderBy("date", "desc")
      .orderBy("id", "desc")
      .offset(Math.floor(COUNT / 2))
      .limit(1)
      .executeTakeFirstOrThrow();
    const cursor = encodeCursor(middle.date, middle.id);
    const lines = [
      await time(
        "first page",
        async () => (await store.listMessages(accountId, mailboxId, { limit: PAGE })).messages.length,
      ),
      await time(
        "middle page (cursor at 50%)",
        async () => (await store.listMessages(accountId, mailboxId, { limit: PAGE, cursor })).messages.length,
      ),
      await time(
        'subject search "invoice" (1%)',
        async () =>
          (
            await store.listMessages(accountId, mailboxId, {
              limit: PAGE,
              search: { text: "invoice", in: "subject" },
            })
          ).messages.length,
      ),
      await time(
        'search "project 36" (both, 2.7%)',
        async () =>
          (await store.listMessages(accountId, mailboxId, { limit: PAGE, search: { text: "project 36" } }))
            .messages.length,
      ),
      await time(
        "search with no hit (full scan)",
        async () =>
          (
            await store.listMessages(accountId, mailboxId, {
              limit: PAGE,
              search: { text: "no such subject" },
            })
          ).messages.length,
      ),
      await time("mailbox list with counts", async () => (await store.mailboxes.list(accountId)).length),
    ];
    for (const line of lines) console.log(line);
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "sealbox-bench-"));
try {
  await bench("SQLite", `sqlite:${join(dir, "bench.db")}`, dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const cluster = process.env.SEALBOX_BENCH_PG ? undefined : await startPostgresCluster();
const pgUrl = process.env.SEALBOX_BENCH_PG ?? (cluster as PostgresCluster).url;
const name = `sealbox_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: pgUrl });
await admin.connect();
await admin.query(`create database ${name}`);
try {
  await bench(
    cluster ? "PostgreSQL (throwaway cluster, fsync off)" : "PostgreSQL",
    pgUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`),
    tmpdir(),
  );
} finally {
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
  await cluster?.stop();
}
