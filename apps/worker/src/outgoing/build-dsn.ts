import { randomBytes } from "node:crypto";
import { rfc5322Date } from "../smtp/received-header.js";

export interface FailedRecipient {
  recipient: string;
  /** RFC 3463 status, e.g. 5.1.1 (taken from the reply when it has one). */
  status: string;
  /** The relay's reply or why we gave up, one line. */
  diagnostic: string;
}

export interface DsnInput {
  /** Our name (Reporting-MTA). */
  reportingMta: string;
  /** Where the report goes: the original envelope sender. */
  to: string;
  /** When the original message was queued. */
  arrivalDate: number;
  at: number;
  failed: FailedRecipient[];
  /** The original message, or at least its first MAX_RETURNED_HEADER_BYTES; only its header section is returned. */
  original: Uint8Array;
}

/** Most of a header section a report carries back (text/rfc822-headers); a longer one is cut at a line. */
export const MAX_RETURNED_HEADER_BYTES = 64 * 1024;

/** RFC 3463 enhanced code at the start of a reply ("550 5.1.1 …"), else the class default. */
export function statusOf(reply: string, permanent: boolean): string {
  const m = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply.trim());
  if (m?.[1]) return m[1];
  return permanent ? "5.0.0" : "4.4.7";
}

/** The original's header section, up to the blank line (either line-ending style), capped at a whole line. */
function headerSection(raw: Uint8Array): Buffer {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, MAX_RETURNED_HEADER_BYTES));
  const crlf = bytes.indexOf("\r\n\r\n");
  const lf = bytes.indexOf("\n\n");
  let end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 2 : lf >= 0 ? lf + 1 : -1;
  if (end < 0) end = bytes.lastIndexOf("\n") + 1; // cut at the last whole line
  return bytes.subarray(0, end);
}

/** One line of printable US-ASCII (a reply is untrusted input going into a header-like field). */
const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, "?").slice(0, 900);

/**
 * A delivery status notification (RFC 3464) for recipients we gave up on: a
 * multipart/report (RFC 6522) with a human-readable part, message/delivery-status, and the
 * original's headers as text/rfc822-headers — never its body, which may be large or private.
 * Auto-Submitted (RFC 3834) so responders do not answer it; it goes out with the null
 * reverse-path (RFC 5321 §4.5.5) so a failing report is never reported on.
 */
export function buildDsn(input: DsnInput): Buffer {
  const boundary = `sealbox-dsn-${randomBytes(12).toString("hex")}`;
  const mta = ascii(input.reportingMta);
  const list = input.failed.map((f) => `  <${ascii(f.recipient)}>: ${ascii(f.diagnostic)}`).join("\r\n");
  const human =
    "This is the mail system at " +
    mta +
    ".\r\n\r\nYour message could not be delivered to the following recipients:\r\n\r\n" +
    `${list}\r\n\r\nThe headers of your message are attached.\r\n`;
  const perRecipient = input.failed
    .map(
      (f) =>
        `Final-Recipient: rfc822; ${ascii(f.recipient)}\r\n` +
        "Action: failed\r\n" +
        `Status: ${ascii(f.status)}\r\n` +
        `Diagnostic-Code: smtp; ${ascii(f.diagnostic)}\r\n` +
        `Last-Attempt-Date: ${rfc5322Date(input.at)}\r\n`,
    )
    .join("\r\n");
  const head =
    `From: Mail Delivery System <MAILER-DAEMON@${mta}>\r\n` +
    `To: <${ascii(input.to)}>\r\n` +
    "Subject: Undelivered Mail Returned to Sender\r\n" +
    `Date: ${rfc5322Date(input.at)}\r\n` +
    `Message-ID: <${randomBytes(12).toString("hex")}@${mta}>\r\n` +
    "Auto-Submitted: auto-replied\r\n" +
    "MIME-Version: 1.0\r\n" +
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"\r\n` +
    "\r\n" +
    "This is a MIME-encapsulated delivery status notification.\r\n" +
    `--${boundary}\r\n` +
    "Content-Type: text/plain; charset=us-ascii\r\n\r\n" +
    human +
    `--${boundary}\r\n` +
    "Content-Type: message/delivery-status\r\n\r\n" +
    `Reporting-MTA: dns; ${mta}\r\n` +
    `Arrival-Date: ${rfc5322Date(input.arrivalDate)}\r\n\r\n` +
    perRecipient +
    `--${boundary}\r\n` +
    "Content-Type: text/rfc822-headers\r\n\r\n";
  // In CRLF form like the rest of the report (a bare-LF original must not break the MIME structure).
  const headers = headerSection(input.original)
    .toString("latin1")
    .replace(/\r?\n/g, "\r\n")
    .replace(/\r\n$/, "");
  return Buffer.from(`${head}${headers}\r\n--${boundary}--\r\n`, "latin1");
}
