import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type RelayTls = "off" | "starttls" | "tls";

export interface RelayEnv {
  host: string;
  port: number;
  user: string | undefined;
  /** A secret: never logged. */
  password: string | undefined;
  tls: RelayTls;
}

/** The only place the worker reads process.env (README "Worker configuration"). */
export interface WorkerEnv {
  home: string;
  storeUrl: string | undefined;
  logLevel: string;
  /** Names this worker's job leases; unique per process. */
  workerId: string;
  smtpHost: string;
  smtpPort: number;
  /** Greeting and Received: header name. */
  smtpName: string;
  /** Largest message accepted (SIZE, RFC 1870); above it 552. */
  smtpMaxBytes: number;
  /** PEM paths; both set = STARTTLS offered and AUTH allowed after it. */
  smtpTlsCert: string | undefined;
  smtpTlsKey: string | undefined;
  /** AUTH on plain loopback connections (a local submission client without TLS). */
  smtpAllowLoopbackAuth: boolean;
  /** Connections open at once; past it a new one is told 421 and closed (Postfix's process limit). */
  smtpMaxClients: number;
  /** Connections open at once from one client address (IPv6: one /64); Postfix's default is half the limit. */
  smtpMaxClientsPerAddress: number;
  /** Idle time allowed before DATA (greeting, EHLO, AUTH, MAIL, RCPT), then 421 and close. */
  smtpCommandTimeoutMs: number;
  /** Idle time allowed while the message data is arriving. */
  smtpDataTimeoutMs: number;
  /** Pause before the greeting; a client that talks during it is refused as an early talker. */
  smtpGreetPauseMs: number;
  /**
   * Store accepted messages in a thread of their own; undefined: by engine (on for SQLite, where
   * it measured 5–12% more messages per second; off for PostgreSQL, where it measured 4–11% fewer).
   */
  smtpDeliveryThread: boolean | undefined;
  /** Undefined = no relay: outgoing mail stays queued (and the status says so). */
  relay: RelayEnv | undefined;
  relayConcurrency: number;
  relayLeaseMs: number;
  relayPollMs: number;
  /** First retry delay after a temporary failure; doubles up to 6 h. */
  relayRetryBaseMs: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export const DEFAULT_SMTP_MAX_BYTES = 64 * 1024 * 1024;

/**
 * No pause before the greeting, like Postfix's smtpd (its early-talker test, postscreen's
 * greet pause, is opt-in): every connection would otherwise pay it, which caps the rate of
 * one-message connections.
 */
export const DEFAULT_SMTP_GREET_PAUSE_MS = 0;

/**
 * Connection limits and timeouts (README "Worker configuration"). The counts are Postfix's
 * defaults (default_process_limit 100, smtpd_client_connection_count_limit 50); there is no
 * connection-rate limit. Before DATA an idle client is dropped after a minute (Postfix: 300 s,
 * 10 s under load) so idle connections cannot hold the slots; during DATA five minutes,
 * the RFC 5321 §4.5.3.2.7 server timeout.
 */
export const SMTP_LIMIT_DEFAULTS = {
  maxClients: 100,
  maxClientsPerAddress: 50,
  commandTimeoutMs: 60_000,
  dataTimeoutMs: 300_000,
} as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? "").toLowerCase();
  if (["", "0", "no", "off", "false"].includes(raw)) return false;
  if (["1", "yes", "on", "true"].includes(raw)) return true;
  throw new ConfigError(`${name} must be 1 or 0 (got "${env[name]}")`);
}

export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const checkout = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const cert = env.SEALBOX_SMTP_TLS_CERT || undefined;
  const key = env.SEALBOX_SMTP_TLS_KEY || undefined;
  if ((cert === undefined) !== (key === undefined))
    throw new ConfigError("SEALBOX_SMTP_TLS_CERT and SEALBOX_SMTP_TLS_KEY go together: set both or neither");
  const tls = (env.SEALBOX_RELAY_TLS || "starttls").toLowerCase();
  if (tls !== "off" && tls !== "starttls" && tls !== "tls")
    throw new ConfigError(`SEALBOX_RELAY_TLS must be off, starttls or tls (got "${env.SEALBOX_RELAY_TLS}")`);
  const relayHost = env.SEALBOX_RELAY_HOST || undefined;
  if (env.SEALBOX_RELAY_PASSWORD && !env.SEALBOX_RELAY_USER)
    throw new ConfigError("SEALBOX_RELAY_PASSWORD needs SEALBOX_RELAY_USER");
  return {
    home: env.SEALBOX_HOME ? resolve(env.SEALBOX_HOME) : resolve(checkout, "data"),
    storeUrl: env.SEALBOX_STORE || undefined,
    logLevel: env.SEALBOX_LOG_LEVEL || "info",
    workerId: env.SEALBOX_WORKER_ID || `${hostname()}-${process.pid}`,
    smtpHost: env.SEALBOX_SMTP_HOST || "127.0.0.1",
    smtpPort: integer(env, "SEALBOX_SMTP_PORT", 2525, 0, 65535),
    smtpName: env.SEALBOX_SMTP_NAME || hostname(),
    smtpMaxBytes: integer(env, "SEALBOX_SMTP_MAX_BYTES", DEFAULT_SMTP_MAX_BYTES, 1024, 2 ** 31 - 1),
    smtpTlsCert: cert,
    smtpTlsKey: key,
    smtpAllowLoopbackAuth: flag(env, "SEALBOX_SMTP_ALLOW_LOOPBACK_AUTH"),
    smtpMaxClients: integer(env, "SEALBOX_SMTP_MAX_CLIENTS", SMTP_LIMIT_DEFAULTS.maxClients, 1, 100_000),
    smtpMaxClientsPerAddress: integer(
      env,
      "SEALBOX_SMTP_MAX_CLIENTS_PER_ADDRESS",
      SMTP_LIMIT_DEFAULTS.maxClientsPerAddress,
      1,
      100_000,
    ),
    smtpCommandTimeoutMs: integer(
      env,
      "SEALBOX_SMTP_COMMAND_TIMEOUT_MS",
      SMTP_LIMIT_DEFAULTS.commandTimeoutMs,
      1_000,
      3_600_000,
    ),
    smtpDataTimeoutMs: integer(
      env,
      "SEALBOX_SMTP_DATA_TIMEOUT_MS",
      SMTP_LIMIT_DEFAULTS.dataTimeoutMs,
      1_000,
      3_600_000,
    ),
    smtpDeliveryThread:
      (env.SEALBOX_SMTP_DELIVERY_THREAD ?? "") === "" ? undefined : flag(env, "SEALBOX_SMTP_DELIVERY_THREAD"),
    smtpGreetPauseMs: integer(env, "SEALBOX_SMTP_GREET_PAUSE_MS", DEFAULT_SMTP_GREET_PAUSE_MS, 0, 60_000),
    relay: relayHost
      ? {
          host: relayHost,
          port: integer(env, "SEALBOX_RELAY_PORT", 25, 1, 65535),
          user: env.SEALBOX_RELAY_USER || undefined,
          password: env.SEALBOX_RELAY_PASSWORD || undefined,
          tls,
        }
      : undefined,
    relayConcurrency: integer(env, "SEALBOX_RELAY_CONCURRENCY", 2, 1, 64),
    relayLeaseMs: integer(env, "SEALBOX_RELAY_LEASE_MS", 60_000, 1_000, 3_600_000),
    relayPollMs: integer(env, "SEALBOX_RELAY_POLL_MS", 1_000, 10, 60_000),
    relayRetryBaseMs: integer(env, "SEALBOX_RELAY_RETRY_BASE_MS", 30_000, 10, 3_600_000),
  };
}
