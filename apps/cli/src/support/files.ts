import { readFile, rename, writeFile } from "node:fs/promises";
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

/** --out is written only on success, and never half-written: a temporary file, then a rename. */
export async function writeAtomically(
  io: CliIo,
  path: string,
  bytes: Uint8Array | string,
  mode?: number,
): Promise<void> {
  const temp = `${path}.${io.pid}.tmp`;
  await writeFile(temp, bytes, mode === undefined ? {} : { mode });
  await rename(temp, path);
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
