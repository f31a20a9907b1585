import { type NextRequest, NextResponse } from "next/server";

/**
 * Every response carries a Content-Security-Policy: scripts only from our origin or with
 * this response's nonce (no inline script), no remote connections. Images, styles and fonts
 * may be remote only because a message's remote content, once the user allows it for that
 * message, loads inside its sandboxed frame, which inherits this policy and narrows it
 * further (our own pages load nothing remote). Frames of our own pages are refused.
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64");
  const dev = process.env.NODE_ENV === "development";
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Remote styles and fonts load only inside an HTML message's frame after the user allows remote content.
    "style-src 'self' 'unsafe-inline' https: http:",
    "img-src 'self' data: blob: https: http:",
    "font-src 'self' data: https: http:",
    "connect-src 'self'",
    "frame-src 'self' blob: about:",
    "child-src 'self' blob: about:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  response.headers.set("x-content-type-options", "nosniff");
  response.headers.set("referrer-policy", "no-referrer");
  response.headers.set("x-frame-options", "DENY");
  response.headers.set("permissions-policy", "camera=(), microphone=(), geolocation=()");
  return response;
}

export const config = {
  // Pages. The build's static files get their policy from next.config.ts, the API routes and
  // the public CA certificate and CRL set their own (api-headers.ts): a JSON or download
  // response needs no nonce, and the API is the hot path, where a middleware pass per request
  // costs a measurable share.
  matcher: [{ source: "/((?!_next/static|api/|pki/ca.crt|pki/ca.crl).*)" }],
};
