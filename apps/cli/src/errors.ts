/**
 * Two kinds of failure reach the user (STYLE.md §6): a UsageError (bad flags; exit 2, says
 * how to fix it) and an AbortError (the user can fix it; exit 1, no stack). Anything else is
 * a bug and is shown with its stack.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export class AbortError extends Error {
  override readonly name = "AbortError";
  constructor(
    message: string,
    readonly code: string = "failed",
  ) {
    super(message);
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_BUG = 70;
