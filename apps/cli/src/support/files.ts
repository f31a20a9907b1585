import { readFile } from "node:fs/promises";
import { AbortError } from "../errors.js";

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
