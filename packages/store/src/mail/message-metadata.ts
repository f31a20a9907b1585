import { decodeEncodedWords, type ParsedAddress, parseAddressList } from "@sealbox/core";
import type { SecurityKind } from "../schema.js";
import { detectSecurity } from "./detect-security.js";
import { type HeaderField, headerValue, headerValues, readHeader } from "./header-reader.js";

/** The listing columns of a message, decoded for display. */
export interface MessageMetadata {
  messageId: string | null;
  from: string;
  to: string;
  cc: string;
  subject: string;
  /** The Date header in epoch ms, else the time of arrival. */
  date: number;
  size: number;
  security: SecurityKind;
  fields: readonly HeaderField[];
}

/** "Name <address>", or the address alone, for display. */
export function formatAddress(a: ParsedAddress): string {
  if (!a.name) return a.address;
  return a.address ? `${a.name} <${a.address}>` : a.name;
}

/** Keeps listing rows small whatever a header says (display text only; the raw bytes keep everything). */
const MAX_TEXT = 2000;

const clip = (s: string) => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s);

function addresses(fields: readonly HeaderField[], name: string): string {
  return clip(headerValues(fields, name).flatMap(parseAddressList).map(formatAddress).join(", "));
}

/** `raw` may be the header block alone when the message is stored in chunks; `size` is then given. */
export function extractMetadata(raw: Uint8Array, receivedAt: number, size = raw.byteLength): MessageMetadata {
  return metadataFromFields(readHeader(raw).fields, size, receivedAt);
}

/** The listing columns from a header block already parsed (delivery parses it once). */
export function metadataFromFields(
  fields: readonly HeaderField[],
  size: number,
  receivedAt: number,
): MessageMetadata {
  const dateHeader = headerValue(fields, "Date");
  const parsed = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  const messageId = headerValue(fields, "Message-ID")?.trim() ?? null;
  return {
    messageId: messageId ? clip(messageId) : null,
    from: addresses(fields, "From"),
    to: addresses(fields, "To"),
    cc: addresses(fields, "Cc"),
    subject: clip(
      decodeEncodedWords(headerValue(fields, "Subject") ?? "")
        .replace(/\s+/g, " ")
        .trim(),
    ),
    date: Number.isFinite(parsed) ? parsed : receivedAt,
    size,
    security: detectSecurity(fields),
    fields,
  };
}
