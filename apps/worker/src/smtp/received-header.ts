/** RFC 5322 §3.3 date-time in UTC ("Tue, 05 Nov 2024 09:03:01 +0000"). */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, "+0000");
}

export interface TraceInfo {
  /** EHLO/HELO name (smtp-server has checked its syntax). */
  helo: string;
  remoteAddress: string;
  /** Our name (SEALBOX_SMTP_NAME). */
  by: string;
  /** RFC 3848 protocol: ESMTP, ESMTPS, ESMTPA, ESMTPSA. */
  protocol: string;
  /** smtp-server's session id, to find the log lines of this transaction. */
  id: string;
  at: number;
}

/**
 * The trace header an SMTP server MUST add on receipt (RFC 5321 §4.4), as a CRLF line with
 * folded continuation lines. It names no recipient (Bcc privacy) and carries nothing of the
 * message itself. Prepended outside any S/MIME structure, so no signature is touched.
 */
export function receivedHeader(info: TraceInfo): Buffer {
  const clean = (s: string) => s.replace(/[^\x21-\x7e]/g, "").slice(0, 255) || "unknown";
  const address = clean(info.remoteAddress.replace(/^::ffff:/, ""));
  return Buffer.from(
    `Received: from ${clean(info.helo)} ([${address}])\r\n` +
      `\tby ${clean(info.by)} (Sealbox) with ${clean(info.protocol)} id ${clean(info.id)};\r\n` +
      `\t${rfc5322Date(info.at)}\r\n`,
    "latin1",
  );
}
