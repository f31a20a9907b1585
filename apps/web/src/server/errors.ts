import { isCoreError } from "@sealbox/core";
import { StoreError } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";

/** Store's expected failures → HTTP-ish tRPC codes. The one table for the web boundary. */
const STORE_CODES: Record<StoreError["code"], TRPC_ERROR_CODE_KEY> = {
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
 * Turns an expected failure (StoreError, CoreError) into a TRPCError that keeps its code and
 * sentence; anything else is a bug: it is logged with its stack on the server and the user
 * sees only that something went wrong.
 */
export function toTrpcError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof StoreError)
    return new TRPCError({
      code: STORE_CODES[error.code] ?? "BAD_REQUEST",
      message: error.message,
      cause: error,
    });
  if (isCoreError(error))
    return new TRPCError({
      code: error.code === "limit-exceeded" ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST",
      message: error.message,
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

/** The machine-readable code the browser sees beside the tRPC code ("wrong-password", "locked", …). */
export function appCodeOf(error: unknown): string | null {
  const cause = error instanceof TRPCError ? error.cause : error;
  if (cause instanceof StoreError) return cause.code;
  if (isCoreError(cause)) return cause.code;
  return null;
}
