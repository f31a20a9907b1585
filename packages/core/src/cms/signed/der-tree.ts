import { encodeHeader } from "../../asn1/der-writer.js";

/**
 * A DER element whose children are encoded bytes or further elements. Lengths are summed
 * first and the output is assembled with one Buffer.concat, so a 50 MB eContent is copied
 * once instead of once per nesting level (der-writer's `tlv` copies at every level).
 */
export type DerNode = Uint8Array | { tag: number; items: DerNode[] };

export const node = (tag: number, ...items: DerNode[]): DerNode => ({ tag, items });

function contentLength(n: Exclude<DerNode, Uint8Array>, lengths: Map<DerNode, number>): number {
  let total = 0;
  for (const item of n.items) total += encodedLength(item, lengths);
  lengths.set(n, total);
  return total;
}

function encodedLength(n: DerNode, lengths: Map<DerNode, number>): number {
  if (n instanceof Uint8Array) return n.length;
  const content = contentLength(n, lengths);
  return encodeHeader(n.tag, content).length + content;
}

export function encodeTree(root: DerNode): Uint8Array {
  const lengths = new Map<DerNode, number>();
  encodedLength(root, lengths);
  const parts: Uint8Array[] = [];
  const walk = (n: DerNode) => {
    if (n instanceof Uint8Array) {
      parts.push(n);
      return;
    }
    parts.push(encodeHeader(n.tag, lengths.get(n) as number));
    for (const item of n.items) walk(item);
  };
  walk(root);
  return Buffer.concat(parts);
}
