/** The session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS; it alone holds the token. */
export const SESSION_COOKIE = "sealbox_session";

/** Seven days, like the session's absolute maximum; the server ends it sooner when idle. */
const MAX_AGE_S = 7 * 24 * 60 * 60;

export function sessionCookie(token: string, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${MAX_AGE_S}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return [
    `${SESSION_COOKIE}=`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    "Max-Age=0",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The client address the custom server wrote (serve.mjs), else "unknown". */
export function clientAddress(headers: Headers): string {
  return headers.get("x-sealbox-client") ?? "unknown";
}

/** HTTPS as the browser sees it (directly, or behind a proxy that says so and is trusted by serve.mjs). */
export function isSecureRequest(headers: Headers, url: string): boolean {
  return url.startsWith("https:") || headers.get("x-sealbox-proto") === "https";
}
