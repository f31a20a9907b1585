import type { StoreLogger } from "@sealbox/store";
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/**
 * Field names that would hold a secret if someone ever logged one by mistake: pino
 * replaces their values. The worker's own log lines carry ids, addresses, sizes, codes
 * and reasons only — never message bytes, headers or passwords (the logs test greps).
 */
const REDACT = [
  "password",
  "pass",
  "secret",
  "auth",
  "*.password",
  "*.pass",
  "*.secret",
  "*.auth",
  "*.accessToken",
];

/** Structured JSON logs on stdout (or `destination`, for tests). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "sealbox-worker" },
    redact: { paths: REDACT, censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The store logs through the worker's logger (store never logs contents or secrets either). */
export function storeLogger(log: Logger): StoreLogger {
  const child = log.child({ component: "store" });
  return {
    info: (fields, message) => child.info(fields, message),
    warn: (fields, message) => child.warn(fields, message),
  };
}

/** What of an error may be logged: its kind, code and message, never a stack of payloads. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error).slice(0, 300) };
  const e = error as Error & { code?: unknown; responseCode?: unknown; command?: unknown };
  return {
    error: e.message.slice(0, 300),
    errorName: e.name,
    ...(e.code !== undefined ? { errorCode: String(e.code) } : {}),
    ...(typeof e.responseCode === "number" ? { responseCode: e.responseCode } : {}),
    ...(typeof e.command === "string" ? { command: e.command.slice(0, 20) } : {}),
  };
}
