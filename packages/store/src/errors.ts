/** The one error type store throws for misuse or for input it refuses (STYLE.md §4). */
export type StoreErrorCode =
  | "invalid-url" // a store URL that is neither sqlite: nor postgres://
  | "migration-failed"
  | "not-found"
  | "conflict"
  | "invalid-argument"
  | "forbidden"
  | "wrong-password" // a Secure Mail Password (or login password) did not match
  | "rate-limited" // too many wrong Secure Mail Passwords: wait and retry
  | "no-key" // the account has no current Secure Mail key
  | "missing-certificates" // a recipient has no usable certificate (send encrypted)
  | "unavailable" // a prerequisite is not configured (e.g. no server secret)
  | "unauthenticated" // no session, or it ended (sign in again)
  | "locked"; // the Secure Mail key is locked (unlock with the Secure Mail Password)

export class StoreError extends Error {
  override readonly name = "StoreError";
  readonly code: StoreErrorCode;
  /**
   * The input the error is about, as a dotted path into what the caller passed
   * ("fromAddress", "conditions.0.value"), so a form can show the message next to that field.
   */
  readonly field: string | undefined;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown; field?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
  }
}

/** The same error, said of `field` (inner paths are kept below it: "conditions.0" + "value"). */
export function errorAt(error: StoreError, field: string): StoreError {
  const path = error.field ? `${field}.${error.field}` : field;
  return new StoreError(error.code, error.message, { cause: error.cause, field: path });
}
