import {
  HEADER_CAPTURE_BYTES,
  SPOOL_MEMORY_BELOW,
  type SpooledMessage,
  spoolDir,
  spoolMessage,
} from "@sealbox/store";
import { readCliEnv } from "../env.js";
import { AbortError, UsageError } from "../errors.js";
import type { CliIo } from "../io.js";

/** Limit for one message on stdin: well above the 50 MB messages Sealbox handles. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/**
 * stdin into the data folder's encrypted spool, as the worker spools SMTP DATA (`sealbox
 * deliver`, `sealbox send`): a 64 MiB message is never one buffer, and every copy made of it
 * streams from the spool. The caller removes the spooled message when done. `empty` is the
 * usage error for an empty stdin.
 */
export async function spoolStdin(io: CliIo, empty: string): Promise<SpooledMessage> {
  const dir = await spoolDir(readCliEnv(io.env).home);
  const spooled = await spoolMessage(io.stdin, {
    dir,
    prefix: new Uint8Array(0),
    maxBytes: MAX_MESSAGE_BYTES,
    keepHead: HEADER_CAPTURE_BYTES,
    memoryBelow: SPOOL_MEMORY_BELOW,
    reserve: () => true,
  });
  if (!spooled.ok) throw new AbortError(`the message is larger than ${MAX_MESSAGE_BYTES} bytes`, "too-large");
  if (spooled.message.size === 0) {
    await spooled.message.remove();
    throw new UsageError(empty);
  }
  return spooled.message;
}
