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
