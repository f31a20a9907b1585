/** "AB:CD:…": the SHA-256 fingerprint as certificate viewers write it. */
export function fingerprintText(hex: string): string {
  return (hex.toUpperCase().match(/[0-9A-F]{2}/g) ?? []).join(":");
}

/** "2025-03-01 12:00 UTC": one unambiguous form on every machine. */
export function dateTimeText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
