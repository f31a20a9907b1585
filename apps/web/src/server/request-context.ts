import type { SignedInSession, Store } from "@sealbox/store";
import { clientAddress, isSecureRequest, readCookie, SESSION_COOKIE } from "./session-cookie";

export interface RequestSession {
  token: string | null;
  session: SignedInSession | null;
}

/** The session a request's cookie names (undefined token or ended session → null). */
export async function sessionOf(store: Store, headers: Headers): Promise<RequestSession> {
  const token = readCookie(headers.get("cookie"), SESSION_COOKIE);
  if (!token) return { token: null, session: null };
  const session = (await store.sessions.resolve(token)) ?? null;
  return { token: session ? token : null, session };
}

/**
 * A state-changing request must come from our own pages: a browser always sends Origin
 * on a cross-site POST, and Sec-Fetch-Site where it supports it. (The session's anti-CSRF
 * token is checked as well, per procedure.)
 */
export function sameOrigin(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return false;
  const origin = req.headers.get("origin");
  if (!origin) return true;
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export { clientAddress, isSecureRequest };
