import { readRoot, readTlv, type Tlv } from "../../../asn1/ber-reader.js";

/** Splits bytes into chunks of the given sizes (cycled), as a network stream would deliver them. */
export async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

/** Where the encrypted content sits in a DER ContentInfo we wrote: [start, end) of the [0] content octets. */
export function contentRange(der: Uint8Array): { start: number; end: number } {
  // ContentInfo → [0] → (Auth)EnvelopedData → EncryptedContentInfo (the SEQUENCE after the RecipientInfos SET)
  const ci = readRoot(der);
  const explicit = readTlv(der, readTlv(der, ci.contentStart).end);
  const ed = readTlv(der, explicit.contentStart);
  let cursor = ed.contentStart;
  let eci: Tlv | undefined;
  let sawSet = false;
  while (cursor < ed.contentEnd) {
    const t = readTlv(der, cursor);
    if (sawSet && t.tag === 0x30) {
      eci = t;
      break;
    }
    if (t.tag === 0x31) sawSet = true;
    cursor = t.end;
  }
  if (!eci) throw new Error("no EncryptedContentInfo");
  let c = eci.contentStart;
  let last: Tlv | undefined;
  while (c < eci.contentEnd) {
    last = readTlv(der, c);
    c = last.end;
  }
  if (last?.tag !== 0x80) throw new Error("no primitive encryptedContent");
  return { start: (last as Tlv).contentStart, end: (last as Tlv).contentEnd };
}
