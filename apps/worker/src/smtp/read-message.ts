import type { Readable } from "node:stream";

export type ReadResult = { ok: true; raw: Buffer } | { ok: false; reason: "too-big" | "busy"; bytes: number };

/**
 * Bytes of message data held by all transactions of one listener together. Each message is
 * bounded by the size limit, but a hundred clients sending 64 MiB at once would still exhaust
 * memory: past this budget a transaction is answered 452 (try later) instead.
 */
export interface MemoryBudget {
  used: number;
  readonly limit: number;
}

/**
 * Reads the DATA stream into one buffer after `prefix` (the Received: header). Collecting
 * stops at `maxBytes` (RFC 1870: answered 552 once the data is read to the end) or when the
 * listener's memory budget is spent (452, RFC 5321 §4.5.3.1.10), so an over-size message
 * costs no more memory than the limit. One copy at the end, by Buffer.concat; no per-byte
 * work. The caller gives the bytes back to the budget (`release`) once it is done with them.
 */
export async function readMessage(
  stream: Readable,
  maxBytes: number,
  prefix: Buffer,
  budget: MemoryBudget,
): Promise<ReadResult & { release: () => void }> {
  const chunks: Buffer[] = [prefix];
  let size = 0;
  let held = 0;
  let refused: "too-big" | "busy" | undefined;
  const release = () => {
    budget.used -= held;
    held = 0;
  };
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (refused) continue; // read to the end before answering
    if (size > maxBytes) refused = "too-big";
    else if (budget.used + buf.length > budget.limit) refused = "busy";
    if (refused) {
      chunks.length = 0;
      release();
      continue;
    }
    chunks.push(buf);
    held += buf.length;
    budget.used += buf.length;
  }
  if (refused) return { ok: false, reason: refused, bytes: size, release };
  return { ok: true, raw: Buffer.concat(chunks, prefix.length + size), release };
}
