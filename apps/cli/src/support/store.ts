import { CoreError } from "@sealbox/core";
import {
  defaultStoreUrl,
  openStore,
  resolveServerSecret,
  type Store,
  StoreError,
  type StoreLogger,
} from "@sealbox/store";
import { readCliEnv } from "../env.js";
import { AbortError, UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { value } from "../options.js";

/** The option every store command takes. */
export const storeOption = { store: value("URL") } as const;

/** Warnings (e.g. "stored unencrypted: …") on stderr; routine events stay quiet. */
export function cliLogger(io: CliIo): StoreLogger {
  return {
    info: () => {},
    warn: (fields, message) => {
      const reason = typeof fields.reason === "string" ? `: ${fields.reason}` : "";
      io.stderr(`sealbox: ${message}${reason}\n`);
    },
  };
}

/**
 * Opens the store from `--store URL`, else SEALBOX_STORE, else the embedded file in the
 * data folder; runs `fn`; closes it. A StoreError is something the user can fix (unknown
 * account, name taken, bad value): it becomes an AbortError (exit 1) with its message.
 */
export async function withStore<T>(
  storeUrl: string | undefined,
  io: CliIo,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const env = readCliEnv(io.env);
  const url = storeUrl ?? env.storeUrl ?? defaultStoreUrl(env.home);
  let store: Store;
  try {
    store = await openStore(url, {
      base: env.home,
      logger: cliLogger(io),
      serverSecret: resolveServerSecret({ secret: env.secret, dataFolder: env.home }),
      ...(env.publicUrl ? { publicUrl: env.publicUrl } : {}),
    });
  } catch (error) {
    if (error instanceof StoreError && error.code === "invalid-url") throw new UsageError(error.message);
    // A setting the store refuses (e.g. SEALBOX_PUBLIC_URL) is the user's to fix, not a bug.
    if (error instanceof StoreError && error.code === "invalid-argument")
      throw new AbortError(error.message, error.code);
    throw error;
  }
  try {
    return await fn(store);
  } catch (error) {
    if (error instanceof StoreError) throw new AbortError(error.message, error.code);
    if (error instanceof CoreError) throw new AbortError(error.message, error.code);
    throw error;
  } finally {
    await store.close();
  }
}
