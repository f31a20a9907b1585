import { CoreError } from "../errors.js";

/** RFC 7468 textual encoding: every `-----BEGIN label-----` block's DER, in order. */
export function pemBlocks(text: string, label?: string): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const match of text.matchAll(re)) {
    if (label && match[1] !== label) continue;
    const body = (match[2] ?? "").replace(/^[A-Za-z-]+:.*$/gm, "").replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body))
      throw new CoreError("malformed", `PEM ${match[1]} block is not base64`);
    blocks.push(Buffer.from(body, "base64"));
  }
  return blocks;
}

export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString("base64");
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, "$&\n")}-----END ${label}-----\n`;
}

/** DER as given, or the first matching PEM block when the bytes are PEM text. */
export function derOrPem(input: Uint8Array | string, label: string): Uint8Array {
  const text = typeof input === "string" ? input : Buffer.from(input.subarray(0, 64)).toString("latin1");
  if (text.includes("-----BEGIN")) {
    const all = typeof input === "string" ? input : Buffer.from(input).toString("latin1");
    const [first] = pemBlocks(all, label);
    if (!first) throw new CoreError("malformed", `no PEM ${label} block found`);
    return first;
  }
  if (typeof input === "string")
    throw new CoreError("malformed", `expected DER bytes or a PEM ${label} block`);
  return input;
}

export interface EncodedObject {
  /** The PEM label, or "DER" for binary input. */
  label: string;
  der: Uint8Array;
}

/**
 * Every object a certificate or CRL file holds: each PEM block (any label), or, for binary
 * input, each top-level DER SEQUENCE in turn. Bytes after the last well-formed element (a
 * truncated object) come back as one more object, so its parser can say what is wrong.
 * Empty when the bytes are neither PEM nor start with a SEQUENCE.
 */
export function encodedObjects(bytes: Uint8Array): EncodedObject[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
  if (text.includes("-----BEGIN")) {
    const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
    return [...text.matchAll(re)].map((m) => {
      const label = m[1] as string;
      try {
        return { label, der: pemBlocks(m[0], label)[0] as Uint8Array };
      } catch {
        // A block that is not base64 is still an object: its parser reports it as malformed.
        return { label, der: new Uint8Array(0) };
      }
    });
  }
  const objects: EncodedObject[] = [];
  let offset = 0;
  while (offset < bytes.length && bytes[offset] === 0x30) {
    const end = sequenceEnd(bytes, offset);
    if (end === undefined) {
      objects.push({ label: "DER", der: bytes.subarray(offset) });
      break;
    }
    objects.push({ label: "DER", der: bytes.subarray(offset, end) });
    offset = end;
  }
  return objects;
}

/** End offset of the definite-length element at `offset`, or undefined when it does not fit. */
function sequenceEnd(bytes: Uint8Array, offset: number): number | undefined {
  const first = bytes[offset + 1];
  if (first === undefined) return undefined;
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    // Indefinite (0x80) and lengths beyond 2^32 are not DER a certificate file holds.
    if (count === 0 || count > 4) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = bytes[offset + 2 + i];
      if (b === undefined) return undefined;
      length = length * 256 + b;
    }
    header += count;
  }
  const end = offset + header + length;
  return end <= bytes.length ? end : undefined;
}
