import { type HeaderField, isCoreError, type MimeEntity, parseEntity } from "@sealbox/core";
import { StoreError } from "../errors.js";

/**
 * The header fields of a message, for listing metadata and rule conditions, read by core's
 * byte-exact MIME parser (the same one that later signs, verifies and decrypts the message,
 * so the store and core never disagree about where the header block ends). Only the
 * header block is read; a 50 MB body is never scanned.
 */
export type { HeaderField };

export interface HeaderBlock {
  fields: readonly HeaderField[];
  /** Offset of the first body byte, or raw.length when there is none. */
  bodyOffset: number;
  /** Offset just past the last field's line ending (the blank line, if any, follows). */
  fieldsEnd: number;
  /**
   * Core's parse of the block, for core calls that would otherwise parse it again (the
   * classifier, the Store Encrypted encryptor); absent when the block was over core's limits.
   */
  entity?: MimeEntity;
  /** Where the message proper starts: past an mbox "From " line, else 0. */
  start: number;
}

const FROM_LINE = Buffer.from("From ");

function parseHeader(raw: Uint8Array): HeaderBlock {
  // An mbox "From " separator (an MTA's pipe may add one) is not part of the message.
  const skip =
    raw.byteLength > 5 && Buffer.from(raw.buffer, raw.byteOffset, 5).equals(FROM_LINE)
      ? Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 1000)).indexOf(0x0a) + 1
      : 0;
  const entity = parseEntity(raw.subarray(skip));
  return {
    fields: entity.headers,
    bodyOffset: skip + entity.bodyOffset,
    fieldsEnd: skip + entity.headerBytes.byteLength,
    entity,
    start: skip,
  };
}

/**
 * For listing and re-reading what is already stored: a header block beyond core's limits
 * yields no fields (the message stays listable). Delivery never gets here with one:
 * requireHeader refuses it first.
 */
export function readHeader(raw: Uint8Array): HeaderBlock {
  try {
    return parseHeader(raw);
  } catch (error) {
    if (isCoreError(error) && error.code === "limit-exceeded")
      return { fields: [], bodyOffset: raw.byteLength, fieldsEnd: 0, start: 0 };
    throw error;
  }
}

/**
 * For delivery: a header block over core's limits (256 KB, 1,000 fields) is refused with
 * StoreError invalid-argument, field "header". Delivering it without fields would let a
 * sender pad the header past the limit and walk past every rule (Discard, Store Encrypted).
 */
export function requireHeader(raw: Uint8Array): HeaderBlock {
  try {
    return parseHeader(raw);
  } catch (error) {
    if (isCoreError(error) && error.code === "limit-exceeded")
      throw new StoreError(
        "invalid-argument",
        `message refused: ${error.message.replace(/^MIME: /, "")} (the rules cannot be applied to it)`,
        { cause: error, field: "header" },
      );
    throw error;
  }
}

/** Every value of a field, in order (names compare case-insensitively). */
export function headerValues(fields: readonly HeaderField[], name: string): string[] {
  const wanted = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === wanted).map((f) => f.value);
}

export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  return headerValues(fields, name)[0];
}
