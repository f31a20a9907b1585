import { randomBytes } from "node:crypto";
import { base64Lines } from "./mime-craft.js";

/**
 * Plain (unprotected) messages as a mail client hands them to `protect`: RFC 5322 header,
 * MIME entity, CRLF or LF-only line endings.
 */
export interface SampleOptions {
  from?: string;
  to?: string;
  subject?: string;
  eol?: "\r\n" | "\n";
  attachment?: Uint8Array;
}

/** multipart/mixed: an 8-bit UTF-8 text part and a binary attachment in base64. */
export function sampleMessage(options: SampleOptions = {}): {
  raw: Buffer;
  text: string;
  attachment: Buffer;
} {
  const eol = options.eol ?? "\r\n";
  const attachment = Buffer.from(options.attachment ?? randomBytes(1500));
  const text = "Grüße aus Köln — the quarterly figures are attached.\nFrom here on it is plain ASCII.\n";
  const boundary = "=_mixed_0001";
  const lines = [
    `From: ${options.from ?? "Alice Example <alice@example.test>"}`,
    `To: ${options.to ?? "Bob Example <bob@example.test>"}`,
    `Subject: ${options.subject ?? "Quarterly figures"}`,
    "Date: Mon, 02 Feb 2026 10:00:00 +0100",
    "Message-ID: <sample-1@example.test>",
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    ...text.split("\n").slice(0, -1),
    `--${boundary}`,
    "Content-Type: application/octet-stream; name=figures.bin",
    "Content-Transfer-Encoding: base64",
    "Content-Disposition: attachment; filename=figures.bin",
    "",
    base64Lines(attachment, eol).slice(0, -eol.length),
    `--${boundary}--`,
    "",
  ];
  return { raw: Buffer.from(lines.join(eol), "utf8"), text, attachment };
}

/** A one-part text/plain message without MIME headers (RFC 2045 §5.2 default). */
export function plainMessage(body = "Hello Bob,\nsee you at noon.\n", eol: "\r\n" | "\n" = "\r\n"): Buffer {
  const head = ["From: Alice Example <alice@example.test>", "To: bob@example.test", "Subject: Lunch", ""];
  return Buffer.from(`${head.join(eol)}${eol}${body.replace(/\n/g, eol)}`, "utf8");
}
