/** True when a statement failed on a UNIQUE or PRIMARY KEY constraint, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === "23505" || // PostgreSQL unique_violation
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

/**
 * True when a write failed because the disk under the store is full: SQLite's SQLITE_FULL,
 * PostgreSQL's disk_full (53100), or a file write's ENOSPC, also when wrapped as a `cause`.
 * Callers tell a client "try again later" (SMTP 452 4.3.1) instead of a generic failure.
 */
export function isStorageFull(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "SQLITE_FULL" || code === "53100" || code === "ENOSPC") return true;
  }
  return false;
}
