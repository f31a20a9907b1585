/** The one error type store throws for misuse or for input it refuses (STYLE.md §4). */
export type StoreErrorCode =
  | "invalid-url" // a store URL that is neither sqlite: nor postgres://
  | "migration-failed"
  | "not-found"
  | "conflict"
  | "invalid-argument"
  | "forbidden";

export class StoreError extends Error {
  override readonly name = "StoreError";
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
