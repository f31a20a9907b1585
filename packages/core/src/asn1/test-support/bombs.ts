import { encodeHeader } from "../der-writer.js";

/**
 * `levels` constructed elements (default: constructed OCTET STRINGs), each holding the next,
 * around an empty primitive element, all with definite lengths. Built back to front so a
 * 30,000-level bomb costs one allocation, not one per level.
 */
export function nestedOctetStrings(levels: number, tag = 0x24, innerTag = 0x04): Uint8Array {
  const headers: Uint8Array[] = [];
  let length = 2;
  for (let i = 0; i < levels; i++) {
    const header = encodeHeader(tag, length);
    headers.push(header);
    length += header.length;
  }
  const out = new Uint8Array(length);
  let pos = 0;
  for (const header of headers.reverse()) {
    out.set(header, pos);
    pos += header.length;
  }
  out.set([innerTag, 0], pos);
  return out;
}
