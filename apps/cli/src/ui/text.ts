/** Text shaping for a fixed-width screen: nothing the terminal would wrap on its own. */

/** Control characters (C0, DEL, C1): a message may carry escapes that would drive the terminal. */
export function withoutControls(text: string, replacement = " "): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? replacement : ch;
  }
  return out;
}

/** Cuts `text` to `width` columns, with "…" when cut. Control characters become spaces. */
export function fit(text: string, width: number): string {
  const clean = withoutControls(text);
  if (width <= 0) return "";
  return clean.length <= width ? clean : `${clean.slice(0, Math.max(0, width - 1))}…`;
}

/** `text` cut or padded to exactly `width` columns. */
export function cell(text: string, width: number): string {
  return fit(text, width).padEnd(width);
}

/** Body text as screen lines: tabs expanded, control characters removed, long lines wrapped. */
export function wrapLines(text: string, width: number): string[] {
  const out: string[] = [];
  const w = Math.max(1, width);
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    const line = withoutControls(raw.replace(/\t/g, "    "));
    if (line.length === 0) out.push("");
    for (let i = 0; i < line.length; i += w) out.push(line.slice(i, i + w));
  }
  return out;
}

/** "2026-12-05 14:03" in local time (the list column). */
export function shortDate(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
