import { readFile } from "node:fs/promises";
import { AbortError } from "../errors.js";
import type { CliIo } from "../io.js";

/** A file the user named: unreadable or missing is "the operation failed" (exit 1, code "io"). */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new AbortError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      "io",
    );
  }
}

/** Standard input, whole, refusing more than `limit` bytes. */
export async function readStdin(io: CliIo, limit = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    size += chunk.length;
    if (size > limit) throw new AbortError(`the message is larger than ${limit} bytes`, "too-large");
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, size);
}
