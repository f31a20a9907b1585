import { type HeaderField, isCoreError, parseEntity } from "@sealbox/core";

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
}

const FROM_LINE = Buffer.from("From ");

export function readHeader(raw: Uint8Array): HeaderBlock {
  // An mbox "From " separator (an MTA's pipe may add one) is not part of the message.
  const skip =
    raw.byteLength > 5 && Buffer.from(raw.buffer, raw.byteOffset, 5).equals(FROM_LINE)
      ? Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 1000)).indexOf(0x0a) + 1
      : 0;
  try {
    const entity = parseEntity(raw.subarray(skip));
    return { fields: entity.headers, bodyOffset: skip + entity.bodyOffset };
  } catch (error) {
    // A header block beyond core's limits (a header bomb) still gets delivered and listed,
    // just without metadata: mail is never dropped for the shape of its headers.
    if (isCoreError(error) && error.code === "limit-exceeded")
      return { fields: [], bodyOffset: raw.byteLength };
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
