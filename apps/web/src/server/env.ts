import { resolve } from "node:path";

/** The only place the web app reads process.env. */
export interface WebEnv {
  home: string;
  storeUrl: string | undefined;
  /** SEALBOX_SECRET: seals the server CA key (else the 0600 server-secret file in the data folder). */
  secret: string | undefined;
  /** SEALBOX_PUBLIC_URL: the address users reach the web at; issued certificates name its /pki/ca.crl. */
  publicUrl: string | undefined;
  /** Started by serve.mjs, which writes the client's socket address into x-sealbox-client. */
  served: boolean;
}

export function readWebEnv(env: NodeJS.ProcessEnv = process.env): WebEnv {
  // next start runs with cwd = apps/web; the checkout's data folder is two levels up.
  return {
    home: env.SEALBOX_HOME ? resolve(env.SEALBOX_HOME) : resolve(process.cwd(), "../../data"),
    storeUrl: env.SEALBOX_STORE || undefined,
    secret: env.SEALBOX_SECRET || undefined,
    publicUrl: env.SEALBOX_PUBLIC_URL || undefined,
    served: env.SEALBOX_WEB_SERVED === "1",
  };
}
