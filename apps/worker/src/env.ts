import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The only place the worker reads process.env. */
export interface WorkerEnv {
  home: string;
  storeUrl: string | undefined;
  smtpHost: string;
  smtpPort: number;
  logLevel: string;
}

export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const checkout = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const port = Number(env.SEALBOX_SMTP_PORT ?? "2525");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SEALBOX_SMTP_PORT must be a port number (got "${env.SEALBOX_SMTP_PORT}")`);
  }
  return {
    home: env.SEALBOX_HOME ? resolve(env.SEALBOX_HOME) : resolve(checkout, "data"),
    storeUrl: env.SEALBOX_STORE || undefined,
    smtpHost: env.SEALBOX_SMTP_HOST || "127.0.0.1",
    smtpPort: port,
    logLevel: env.SEALBOX_LOG_LEVEL || "info",
  };
}
