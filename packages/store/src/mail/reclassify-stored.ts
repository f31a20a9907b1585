import { classifyMessage } from "@sealbox/core";
import { type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import type { SecurityKind } from "../schema.js";
import { HEADER_CAPTURE_BYTES } from "./incoming-message.js";
import { encryptedRowsWithoutCipher, setClassification } from "./messages.js";

/** The name under which the step is recorded in `store_maintenance` once it has finished. */
export const RECLASSIFY_STEP = "reclassify-encrypted-cipher";

/** Rows read per round: bounded so the step never holds more than this many message starts. */
const BATCH = 64;

/**
 * Messages stored before core's classification decided the listing were listed from their
 * smime-type label: encrypted with cipher null, also when the CMS inside says otherwise. Each
 * such row is classified anew by core from the first chunk of its blob (the header block and
 * the start of the body; never the whole message), a batch at a time, and updated only where
 * the CMS content decided (`basis: "cms"`): an encrypted row gets its cipher (and keeps
 * "signed+encrypted" if whoever decrypted it said so), a label that lied gets the real kind.
 * Runs when a store opens until it has finished once (`store_maintenance`); a crash midway
 * only means the next open goes over the rest again. Returns how many rows changed.
 */
export async function reclassifyStoredMessages(ctx: StoreContext): Promise<number> {
  const done = await ctx.db
    .selectFrom("store_maintenance")
    .select("name")
    .where("name", "=", RECLASSIFY_STEP)
    .executeTakeFirst();
  if (done) return 0;
  let changed = 0;
  let after = "";
  for (;;) {
    const rows = await encryptedRowsWithoutCipher(ctx.db, after, BATCH);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?.id as string;
    const updates: Array<{ id: string; blobId: string; security: SecurityKind; cipher: string | null }> = [];
    for (const row of rows) {
      const start = await firstBytes(ctx, row.blob_id);
      if (!start) continue; // its bytes are gone (a concurrent delete): nothing to list
      const classified = classifyMessage(start, { complete: start.byteLength >= row.size });
      if (classified.basis !== "cms") continue;
      const encrypted = classified.kind === "encrypted" || classified.kind === "auth-encrypted";
      const security: SecurityKind = encrypted
        ? row.security === "signed+encrypted"
          ? "signed+encrypted"
          : "encrypted"
        : classified.kind === "signed"
          ? "signed"
          : "plain";
      if (security === row.security && classified.cipher === null) continue;
      updates.push({
        id: row.id,
        blobId: row.blob_id,
        security,
        cipher: encrypted ? classified.cipher : null,
      });
    }
    // One write transaction per batch; only the very row read (a Decrypt in place meanwhile
    // replaced it with another, listed by then from its own bytes).
    changed += await write(ctx, async (trx) => {
      let n = 0;
      for (const u of updates) if (await setClassification(trx, u)) n++;
      return n;
    });
  }
  await ctx.db
    .insertInto("store_maintenance")
    .values({ name: RECLASSIFY_STEP, done_at: ctx.now() })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  if (changed > 0) ctx.logger.info({ messages: changed }, "stored messages classified by their CMS content");
  return changed;
}

/** The blob's first chunk, cut to what the classifier reads; undefined when the blob is gone. */
async function firstBytes(ctx: StoreContext, blobId: string): Promise<Uint8Array | undefined> {
  const chunks = ctx.blobs.read(ctx.db, blobId)[Symbol.asyncIterator]();
  try {
    const first = await chunks.next();
    return first.done ? new Uint8Array() : first.value.subarray(0, HEADER_CAPTURE_BYTES);
  } catch (error) {
    if (error instanceof StoreError && error.code === "not-found") return undefined;
    throw error;
  } finally {
    await chunks.return?.();
  }
}
