import { readWebEnv } from "./env";

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

/**
 * The client's address for the login guard. Under serve.mjs it is the socket's address (or a
 * trusted proxy's X-Forwarded-For), written into x-sealbox-client; a client's own x-sealbox-*
 * headers are overwritten there. Under a bare `next start` those headers could come from the
 * client, so they are ignored and Next's X-Forwarded-For is used (its last hop: the socket's
 * address unless the client sent one, which only weakens the per-client count, never the
 * per-account one).
 */
export function clientAddress(headers: Headers, served = readWebEnv().served): string {
  if (served) return headers.get("x-sealbox-client") ?? "unknown";
  const hops = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  return hops[hops.length - 1] ?? "unknown";
}

/** HTTPS as the browser sees it (directly, or behind a proxy serve.mjs trusts). */
export function isSecureRequest(headers: Headers, url: string, served = readWebEnv().served): boolean {
  return url.startsWith("https:") || (served && headers.get("x-sealbox-proto") === "https");
}
