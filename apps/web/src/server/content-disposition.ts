/** A Content-Disposition for a download: RFC 6266's ASCII filename plus the UTF-8 form (RFC 8187). */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  // encodeURIComponent leaves ' ( ) * ! alone; RFC 8187's attr-char allows none but ! and *.
  const utf8 = encodeURIComponent(filename).replace(
    /['()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/**
 * A name safe to offer as a file name: control characters (C0 and C1), bidirectional overrides
 * and isolates (which make "gpj.exe" read as "exe.jpg") and path or shell-special characters
 * become spaces; runs of white space shrink to one; cut at `max` code points.
 */
export function safeFileName(name: string, max = 80): string {
  const cleaned = [...name]
    .map((c) => {
      const code = c.codePointAt(0) ?? 0;
      const unsafe =
        code < 0x20 ||
        (code >= 0x7f && code <= 0x9f) ||
        (code >= 0x202a && code <= 0x202e) ||
        (code >= 0x2066 && code <= 0x2069) ||
        '/\\:*?"<>|'.includes(c);
      return unsafe ? " " : c;
    })
    .join("")
    .replace(/\s+/g, " ")
    .trim();
  return [...cleaned].slice(0, max).join("").trim();
}
