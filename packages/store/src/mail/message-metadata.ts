import {
  classifyMessage,
  decodeEncodedWords,
  type MessageClass,
  type ParsedAddress,
  parseAddressList,
} from "@sealbox/core";
import type { SecurityKind } from "../schema.js";
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
  /** The content-encryption cipher core read from the CMS (null when not encrypted or not readable). */
  cipher: string | null;
  fields: readonly HeaderField[];
}

/**
 * The listing's security kind and cipher from core's classification of the message (the CMS
 * content decides, not the label). AuthEnvelopedData lists as "encrypted" with its cipher;
 * "signed+encrypted" is only known after decrypting, so only whoever encrypts or decrypts says it.
 */
export function listedSecurity(classified: MessageClass): ListedSecurity {
  const security: SecurityKind =
    classified.kind === "plain" ? "plain" : classified.kind === "signed" ? "signed" : "encrypted";
  return { security, cipher: classified.cipher };
}

export interface ListedSecurity {
  security: SecurityKind;
  cipher: string | null;
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

/**
 * `raw` may be the start of a message stored in chunks (its header block and the first bytes of
 * the body, enough for core's classification); `size` is then the whole message's. `listed`: the
 * security kind and cipher when the caller knows them already (it encrypted the message).
 */
export function extractMetadata(
  raw: Uint8Array,
  receivedAt: number,
  options: { size?: number; listed?: ListedSecurity } = {},
): MessageMetadata {
  const size = options.size ?? raw.byteLength;
  const listed =
    options.listed ?? listedSecurity(classifyMessage(raw, { complete: size === raw.byteLength }));
  return metadataFromFields(readHeader(raw).fields, size, receivedAt, listed);
}

/** The listing columns from a header block already parsed (delivery parses it once) and its classification. */
export function metadataFromFields(
  fields: readonly HeaderField[],
  size: number,
  receivedAt: number,
  listed: ListedSecurity,
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
    security: listed.security,
    cipher: listed.cipher,
    fields,
  };
}
