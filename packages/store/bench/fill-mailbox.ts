/**
 * Fills a mailbox with `count` small messages for the listing benchmarks (store's and the
 * web's), fast: rows are inserted in batches inside a few transactions instead of one
 * delivery each. Dates spread over five years in a scrambled order, some equal (ties
 * exercise the keyset cursor's id tie-breaker); 1% have "Invoice" in the subject.
 */
import { sql } from "kysely";
import { newId } from "../src/ids.js";
import { storeInternals } from "../src/internals.js";
import type { Store } from "../src/open-store.js";

const BATCH = 500;

export async function fillMailbox(store: Store, mailboxId: string, count: number): Promise<void> {
  const start = Date.UTC(2020, 0, 1);
  const now = Date.now();
  for (let done = 0; done < count; ) {
    await storeInternals(store)
      .db.transaction()
      .execute(async (trx) => {
        for (let b = 0; b < 20 && done < count; b++) {
          const n = Math.min(BATCH, count - done);
          const blobs = [];
          const chunks = [];
          const rows = [];
          for (let i = 0; i < n; i++) {
            const k = done + i;
            const date = start + Math.floor(((k * 7919) % count) / 2) * 3_000_000;
            const subject = `${k % 100 === 0 ? "Invoice" : "Status report"} #${k} for project ${k % 37}`;
            const from = `Sender ${k % 500} <sender${k % 500}@example.org>`;
            const raw = Buffer.from(`From: ${from}\r\nSubject: ${subject}\r\n\r\nBody ${k}\r\n`);
            const blobId = newId(now);
            blobs.push({ id: blobId, size: raw.length, created_at: now });
            chunks.push({ blob_id: blobId, seq: 0, data: raw });
            rows.push({
              id: newId(now),
              mailbox_id: mailboxId,
              blob_id: blobId,
              message_id: `<${k}@bench>`,
              from_text: from,
              to_text: "bench@bench.example",
              cc_text: "",
              subject,
              subject_lower: subject.toLowerCase(),
              from_lower: from.toLowerCase(),
              date,
              size: raw.length,
              seen: (k % 3 === 0 ? 1 : 0) as 0 | 1,
              created_at: now,
            });
          }
          await trx.insertInto("message_blobs").values(blobs).execute();
          await trx.insertInto("message_blob_chunks").values(chunks).execute();
          await trx.insertInto("messages").values(rows).execute();
          done += n;
        }
      });
  }
  await sql`analyze`.execute(storeInternals(store).db);
}
