/**
 * The terminal client's one error boundary: an expected failure (a StoreError or CoreError,
 * told by name and code as store/bulk does, so a second copy of a package cannot hide it) is
 * shown with its message; anything else is a bug and says so.
 */
export function errorText(error: unknown): string {
  if (
    error instanceof Error &&
    (error.name === "StoreError" || error.name === "CoreError") &&
    typeof (error as { code?: unknown }).code === "string"
  )
    return sentence(error.message);
  const detail = error instanceof Error ? error.message : String(error);
  return `Unexpected error (a bug): ${detail}`;
}

function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
