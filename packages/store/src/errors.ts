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

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
