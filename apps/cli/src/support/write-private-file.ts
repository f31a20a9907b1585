import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { AbortError } from "../errors.js";

/**
 * Writes a file only its owner can read, at every moment: a temporary file with a random
 * name in the same folder, created exclusively (O_EXCL: a file or symlink planted under that
 * name makes the open fail and is never followed) with mode 0600, written and synced, then
 * renamed over `path`. The rename replaces whatever `path` was — so an existing file's wider
 * permissions (or a symlink's target) are not kept — and a reader sees the old file or the
 * whole new one, never half of it. Every file a command writes (`--out`) goes through here.
 * A file that cannot be written (no such folder, no permission, disk full) is the user's to fix:
 * an AbortError naming the file and the system's reason (code `io`, exit 1), never a stack.
 */
export async function writePrivateFile(path: string, bytes: Uint8Array | string): Promise<void> {
  try {
    await writeExclusively(path, bytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== "string") throw error;
    throw new AbortError(`cannot write ${path}: ${code}`, "io");
  }
}

async function writeExclusively(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(12).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", 0o600);
  let done = false;
  try {
    // open's mode is narrowed by the umask; the file must be exactly 0600 whatever it is.
    await handle.chmod(0o600);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
    done = true;
  } finally {
    if (!done) {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
    }
  }
}
