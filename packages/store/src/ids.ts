import { randomBytes } from "node:crypto";

/**
 * A new row id: a UUIDv7 (RFC 9562 §5.7) — 48 bits of Unix milliseconds, then 74 random
 * bits. Time-ordered ids keep B-tree inserts local on both engines and make a stable
 * tie-breaker for keyset paging; the random part makes them unguessable.
 */
export function newId(now: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(Math.max(0, Math.floor(now)) % 2 ** 48, 0, 6);
  b[6] = ((b[6] as number) & 0x0f) | 0x70;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
