/**
 * The CLI's two kinds of failure (STYLE.md §6). An AbortError is expected: the user can fix
 * it, it carries a machine `code` and a sentence, and never shows a stack. Its `outcome`
 * picks the exit code; a UsageError is the AbortError whose outcome is "usage". Anything
 * else that reaches the boundary — a BugError or any stray exception — is a bug and is shown
 * with its stack. `exitCodeFor` is the only place outcomes become numbers.
 */
export type Outcome = "failed" | "usage" | "refused" | "no-such-account" | "try-later";

export class AbortError extends Error {
  override readonly name: string = "AbortError";
  constructor(
    message: string,
    readonly code: string = "failed",
    readonly outcome: Outcome = "failed",
  ) {
    super(message);
  }
}

/** Bad flags or arguments: the boundary prints the command's generated usage after it. */
export class UsageError extends AbortError {
  override readonly name = "UsageError";
  constructor(message: string) {
    super(message, "usage", "usage");
  }
}

/** Something that cannot happen did: exit 70 with the stack, never mistaken for a user error. */
export class BugError extends Error {
  override readonly name = "BugError";
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** sysexits EX_SOFTWARE, as ./bin/sealbox also uses when the CLI is not built. */
export const EXIT_BUG = 70;

/**
 * The exit codes: 0 ok, 1 the operation failed, 2 usage, and for `deliver` the sysexits
 * a mail server acts on (65 EX_DATAERR: the message itself is refused for good, bounce;
 * 67 EX_NOUSER: bounce; 75 EX_TEMPFAIL: keep the message, retry).
 */
const EXIT_CODES: Record<Outcome, number> = {
  failed: EXIT_FAILURE,
  usage: EXIT_USAGE,
  refused: 65,
  "no-such-account": 67,
  "try-later": 75,
};

export function exitCodeFor(outcome: Outcome): number {
  return EXIT_CODES[outcome];
}
