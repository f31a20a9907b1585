/**
 * The four operations as an application runs them on a large message: the streaming path,
 * reading the input file in 256 KiB chunks and writing the output file as it is produced.
 * The reader reuses one buffer (fs.readSync) and the writer finishes each write before the
 * next chunk is pulled (fs.writeSync): protectMessageStream / openMessageStream never keep a
 * chunk after asking for the next one, so streaming from disk needs no per-chunk garbage.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { openMessageStream } from "../src/smime/open-stream.js";
import { protectMessageStream } from "../src/smime/protect-stream.js";
import type { Keys, Message } from "./fixtures.js";

export type Op = "sign" | "verify" | "encrypt" | "decrypt";
export const OPS: readonly Op[] = ["sign", "verify", "encrypt", "decrypt"];

const CHUNK = Number(process.env.BENCH_CHUNK_KB ?? 256) * 1024;

export async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafeSlow(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs one operation on `message`, writing the result to `outPath`; returns a short check string. */
export async function runStreamOp(op: Op, message: Message, keys: Keys, outPath: string): Promise<string> {
  const fd = openSync(outPath, "w");
  const write = (chunk: Uint8Array) => void writeSync(fd, chunk);
  try {
    switch (op) {
      case "sign":
        for await (const c of protectMessageStream(fileChunks(message.plain), {
          sign: { identity: keys.identity },
        }))
          write(c);
        return "signed";
      case "encrypt":
        for await (const c of protectMessageStream(fileChunks(message.plain), {
          encrypt: { recipients: [keys.user] },
        }))
          write(c);
        return "encrypted";
      case "verify": {
        const r = await openMessageStream(fileChunks(message.signed), { trust: [keys.ca], out: write });
        const layer = r.layers[0];
        return layer?.type === "signed" ? (layer.signers[0]?.status ?? "no signer") : "not signed";
      }
      case "decrypt": {
        const r = await openMessageStream(fileChunks(message.encrypted), {
          identities: [keys.identity],
          out: write,
        });
        return r.layers[0]?.type === "encrypted" ? "decrypted" : "not encrypted";
      }
    }
  } finally {
    closeSync(fd);
  }
}
