import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The settings the CLI takes from the environment (CliIo.env). The data folder is SEALBOX_HOME, else
 * `data/` in the checkout this file was built in — never the current directory.
 */
export interface CliEnv {
  home: string;
  storeUrl: string | undefined;
  /** SEALBOX_SECRET: seals the server CA key; else a 0600 file in the data folder is used. */
  secret: string | undefined;
  /** SEALBOX_PUBLIC_URL: the web's public address; certificates issued here name its CRL. */
  publicUrl: string | undefined;
}

export function readCliEnv(env: Readonly<Record<string, string | undefined>>): CliEnv {
  const checkout = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  return {
    home: env.SEALBOX_HOME ? resolve(env.SEALBOX_HOME) : resolve(checkout, "data"),
    storeUrl: env.SEALBOX_STORE || undefined,
    secret: env.SEALBOX_SECRET || undefined,
    publicUrl: env.SEALBOX_PUBLIC_URL || undefined,
  };
}
