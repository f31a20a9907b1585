import type { CoreErrorCode } from "@sealbox/core";
import type { StoreErrorCode } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";

/** Store's expected failures → HTTP-ish tRPC codes. The one table for the web boundary. */
const STORE_CODES: Record<StoreErrorCode, TRPC_ERROR_CODE_KEY> = {
  "invalid-url": "BAD_REQUEST",
  "migration-failed": "INTERNAL_SERVER_ERROR",
  "not-found": "NOT_FOUND",
  conflict: "CONFLICT",
  "invalid-argument": "BAD_REQUEST",
  forbidden: "FORBIDDEN",
  "wrong-password": "BAD_REQUEST",
  "rate-limited": "TOO_MANY_REQUESTS",
  "no-key": "PRECONDITION_FAILED",
  "missing-certificates": "PRECONDITION_FAILED",
  unavailable: "SERVICE_UNAVAILABLE",
  unauthenticated: "UNAUTHORIZED",
  locked: "PRECONDITION_FAILED",
};

/**
 * The code of a StoreError / CoreError, told by name rather than by class: the Next.js build
 * bundles the workspace packages into more than one server chunk, so the class a route's
 * code sees may be another copy of the one the store threw.
 */
function codeOf(error: unknown, name: string): string | null {
  if (!(error instanceof Error) || error.name !== name) return null;
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === "string" ? code : null;
}

export function storeErrorCode(error: unknown): StoreErrorCode | null {
  return codeOf(error, "StoreError") as StoreErrorCode | null;
}

export function coreErrorCode(error: unknown): CoreErrorCode | null {
  return codeOf(error, "CoreError") as CoreErrorCode | null;
}

/**
 * Turns an expected failure (StoreError, CoreError) into a TRPCError that keeps its code and
 * sentence; anything else is a bug: it is logged with its stack on the server and the user
 * sees only that something went wrong.
 */
export function toTrpcError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  const store = storeErrorCode(error);
  if (store)
    return new TRPCError({
      code: STORE_CODES[store] ?? "BAD_REQUEST",
      message: (error as Error).message,
      cause: error,
    });
  const core = coreErrorCode(error);
  if (core)
    return new TRPCError({
      code: core === "limit-exceeded" ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST",
      message: (error as Error).message,
      cause: error,
    });
  // A bug: the stack goes to the server log (never to the browser), with no request data.
  console.error("[sealbox web] unexpected error", error);
  return new TRPCError({
    code: "INTERNAL_SERVER_ERROR",
    message: "Something went wrong on the server (a bug).",
    cause: error,
  });
}

/**
 * The input a StoreError is about ("fromAddress", "conditions.0.value"), with its sentence,
 * so a form shows it next to that field (the same shape as zod's field errors).
 */
export function storeFieldErrors(error: unknown): Record<string, string[]> | null {
  const cause = error instanceof TRPCError ? error.cause : error;
  if (!storeErrorCode(cause)) return null;
  const field: unknown = (cause as Error & { field?: unknown }).field;
  if (typeof field !== "string" || field === "") return null;
  const text = (cause as Error).message.trim();
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return { [field]: [/[.!?]$/.test(capital) ? capital : `${capital}.`] };
}

/** The machine-readable code the browser sees beside the tRPC code ("wrong-password", "locked", …). */
export function appCodeOf(error: unknown): string | null {
  const cause = error instanceof TRPCError ? error.cause : error;
  return storeErrorCode(cause) ?? coreErrorCode(cause);
}
