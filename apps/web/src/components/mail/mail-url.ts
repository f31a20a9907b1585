/** The mail screen's address: /mail/NAME (the folder's URL-encoded name) and ?m=ID (the open message). */
export function mailHref(mailbox: string, messageId?: string | null): string {
  const base = `/mail/${encodeURIComponent(mailbox)}`;
  return messageId ? `${base}?m=${encodeURIComponent(messageId)}` : base;
}

/**
 * Opens or closes a message without a server round trip: Next's router follows
 * history.pushState/replaceState, so useSearchParams sees the new ?m= at once.
 */
export function showMessage(
  mailbox: string,
  messageId: string | null,
  mode: "push" | "replace" = "push",
): void {
  const href = mailHref(mailbox, messageId);
  if (mode === "push") window.history.pushState(null, "", href);
  else window.history.replaceState(null, "", href);
}

/** The route segment back to the folder name (Next may hand it over still encoded). */
export function mailboxFromSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
