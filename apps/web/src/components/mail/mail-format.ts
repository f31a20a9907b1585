/** Listing and view formatting: dates in the reader's locale, sizes in B/KB/MB. */

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const day = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dayWithYear = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });

/** Today: the time; this year: day and month; else with the year. */
export function listDate(epochMs: number, now = Date.now()): string {
  const d = new Date(epochMs);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return time.format(d);
  return d.getFullYear() === today.getFullYear() ? day.format(d) : dayWithYear.format(d);
}

export function fullDate(value: string | number | null): string {
  if (value === null) return "";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : full.format(d);
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The display name of "Name <address>", else the address. */
export function senderName(from: string): string {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>/.exec(from);
  if (m) return m[1]?.trim() || m[2]?.trim() || from;
  return from.trim() || "(no sender)";
}
