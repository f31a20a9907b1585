import { randomBytes } from "node:crypto";
import { base64Encode, formatParam, parseAddressList, qpEncode } from "@sealbox/core";
import { StoreError } from "../errors.js";

export interface ComposeAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

/** What a compose form holds: addresses as typed (comma-separated), subject, text, files. */
export interface ComposeInput {
  to: string;
  cc?: string;
  bcc?: string;
  subject: string;
  text: string;
  attachments?: ComposeAttachment[];
  /** The Message-ID replied to, and the thread's References (reply / reply all). */
  inReplyTo?: string | null;
  references?: string | null;
}

export interface ComposeSender {
  realName: string;
  fromAddress: string;
}

/** Most recipients one message may name (To, Cc and Bcc together). */
const MAX_RECIPIENTS = 500;

/** RFC 2047 B-encoded words for a header value that is not plain ASCII, split on character boundaries. */
export function encodeHeaderWords(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const words: string[] = [];
  let chunk = "";
  for (const ch of value) {
    // 39 bytes of UTF-8 → 52 base64 characters → a 64-character word: under 75 (RFC 2047 §2),
    // and "Subject: " plus the first word stays within the 76-character line limit there.
    if (Buffer.byteLength(chunk + ch) > 39) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString("base64")}?=`).join("\r\n ");
}

function mailbox(name: string, address: string): string {
  if (!name) return address;
  const display = /^[\x20-\x7e]*$/.test(name)
    ? /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(name)
      ? name
      : `"${name.replace(/(["\\])/g, "\\$1")}"`
    : encodeHeaderWords(name);
  return `${display} <${address}>`;
}

/**
 * The addresses of one field as typed ("Bob <bob@x>, carol@y"), each checked: a word without
 * an "@" is named in the error instead of being sent nowhere.
 */
export function parseTypedAddresses(
  field: string,
  typed: string | undefined,
): Array<{ name: string; address: string }> {
  const text = (typed ?? "").trim();
  if (!text) return [];
  const parsed = parseAddressList(text);
  const out: Array<{ name: string; address: string }> = [];
  for (const a of parsed) {
    if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(a.address))
      throw new StoreError(
        "invalid-argument",
        `${field}: "${a.address || a.name || text}" is not an e-mail address`,
      );
    out.push({ name: a.name ?? "", address: a.address });
  }
  return out;
}

function addressHeader(name: string, list: Array<{ name: string; address: string }>): string | undefined {
  if (list.length === 0) return undefined;
  return `${name}: ${list.map((a) => mailbox(a.name, a.address)).join(",\r\n ")}`;
}

/** One-line header values only: CR or LF in a subject or id would inject headers. */
function oneLine(field: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new StoreError("invalid-argument", `${field} must be one line`);
  return value;
}

/**
 * Builds the RFC 5322 message a compose form describes: UTF-8 text as quoted-printable,
 * attachments as base64 in multipart/mixed, non-ASCII names and subjects as encoded words.
 * Date and Message-ID are added by `send` (drafts get them too when saved).
 */
export function composeMessage(sender: ComposeSender, input: ComposeInput): Uint8Array {
  const to = parseTypedAddresses("To", input.to);
  const cc = parseTypedAddresses("Cc", input.cc);
  const bcc = parseTypedAddresses("Bcc", input.bcc);
  if (to.length + cc.length + bcc.length > MAX_RECIPIENTS)
    throw new StoreError("invalid-argument", `at most ${MAX_RECIPIENTS} recipients per message`);
  const headers = [
    `From: ${mailbox(sender.realName, sender.fromAddress)}`,
    addressHeader("To", to),
    addressHeader("Cc", cc),
    addressHeader("Bcc", bcc),
    `Subject: ${encodeHeaderWords(oneLine("Subject", input.subject))}`,
    input.inReplyTo ? `In-Reply-To: ${oneLine("In-Reply-To", input.inReplyTo)}` : undefined,
    input.references ? `References: ${oneLine("References", input.references)}` : undefined,
    "MIME-Version: 1.0",
  ].filter((h): h is string => h !== undefined);
  const textPart = [
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    Buffer.from(qpEncode(Buffer.from(input.text, "utf8"))).toString("latin1"),
  ].join("\r\n");
  const attachments = input.attachments ?? [];
  // A text that ends with a line break already ends the body; another CRLF would add a blank line.
  if (attachments.length === 0)
    return Buffer.from(
      `${headers.join("\r\n")}\r\n${textPart}${textPart.endsWith("\r\n") ? "" : "\r\n"}`,
      "latin1",
    );
  const boundary = `=_sealbox_${randomBytes(12).toString("hex")}`;
  const parts = [textPart];
  for (const a of attachments) {
    const type = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i.test(a.contentType)
      ? a.contentType.toLowerCase()
      : "application/octet-stream";
    const filename = oneLine("attachment name", a.filename.replace(/[/\\]/g, "_")) || "attachment";
    parts.push(
      [
        `Content-Type: ${type}; ${formatParam("name", filename)}`,
        `Content-Disposition: attachment; ${formatParam("filename", filename)}`,
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from(base64Encode(a.content))
          .toString("latin1")
          .replace(/\r?\n$/, ""),
      ].join("\r\n"),
    );
  }
  const body = `${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--\r\n`;
  return Buffer.from(
    `${headers.join("\r\n")}\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\nThis is a multi-part message in MIME format.\r\n${body}`,
    "latin1",
  );
}
