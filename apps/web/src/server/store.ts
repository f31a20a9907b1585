import { defaultStoreUrl, openStore, resolveServerSecret, type Store } from "@sealbox/store";
import { readWebEnv } from "./env";

/**
 * The web process's one store connection (the composition root). Kept on globalThis so
 * development hot reloads do not open a new pool each time.
 */
const holder = globalThis as typeof globalThis & { __sealboxStore?: Promise<Store> };

export function getStore(): Promise<Store> {
  if (!holder.__sealboxStore) {
    const env = readWebEnv();
    holder.__sealboxStore = openStore(env.storeUrl ?? defaultStoreUrl(env.home), {
      base: env.home,
      // The same secret the CLI and worker use: Generate Key needs the server CA.
      serverSecret: resolveServerSecret({ secret: env.secret, dataFolder: env.home }),
      // Certificates issued from the web name <public URL>/pki/ca.crl, which this app serves.
      ...(env.publicUrl ? { publicUrl: env.publicUrl } : {}),
    });
    holder.__sealboxStore.catch(() => {
      holder.__sealboxStore = undefined;
    });
  }
  return holder.__sealboxStore;
}
