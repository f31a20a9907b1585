import type { Readable } from "node:stream";

export type ReadResult = { ok: true; raw: Buffer } | { ok: false; reason: "too-big"; bytes: number };

/**
 * Reads the DATA stream into one buffer after `prefix` (the Received: header), stopping
 * collecting at `maxBytes` so an over-size message costs no more memory than the limit
 * (RFC 1870: the server answers 552 once it has read to the end). One copy at the end,
 * by Buffer.concat; no per-byte work.
 */
export async function readMessage(stream: Readable, maxBytes: number, prefix: Buffer): Promise<ReadResult> {
  const chunks: Buffer[] = [prefix];
  let size = 0;
  let tooBig = false;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) tooBig = true;
    if (!tooBig) chunks.push(buf);
  }
  if (tooBig) return { ok: false, reason: "too-big", bytes: size };
  return { ok: true, raw: Buffer.concat(chunks, prefix.length + size) };
}
