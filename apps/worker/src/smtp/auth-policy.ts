import { isIP } from "node:net";

/** 127.0.0.0/8, ::1 and the IPv4-mapped form smtp-server reports on dual-stack sockets. */
export function isLoopback(remoteAddress: string): boolean {
  const address = remoteAddress.toLowerCase().replace(/^::ffff:/, "");
  if (isIP(address) === 4) return address.startsWith("127.");
  return address === "::1";
}

export interface AuthPolicy {
  /** A certificate is configured: STARTTLS is offered, and AUTH after it. */
  tls: boolean;
  /** SEALBOX_SMTP_ALLOW_LOOPBACK_AUTH: AUTH on plain loopback connections. */
  allowLoopbackAuth: boolean;
  /** Which peers count as loopback (default isLoopback; tests inject one to stay on 127.0.0.1). */
  isLoopback?: (remoteAddress: string) => boolean;
}

/**
 * The commands a session may not use (smtp-server's per-session disabledCommands). AUTH is
 * neither advertised nor accepted on a connection that is not TLS, unless it is loopback and
 * the operator allowed that — a password never crosses a network in clear (RFC 4954 §4,
 * RFC 8314 §3). STARTTLS exists only when a certificate is configured (smtp-server would
 * otherwise offer it with a built-in self-signed one).
 */
export function disabledCommands(
  policy: AuthPolicy,
  session: { secure: boolean; remoteAddress: string },
): string[] {
  const disabled: string[] = [];
  if (!policy.tls) disabled.push("STARTTLS");
  const loopback = policy.isLoopback ?? isLoopback;
  const authOk = session.secure || (policy.allowLoopbackAuth && loopback(session.remoteAddress));
  if (!authOk) disabled.push("AUTH");
  return disabled;
}
