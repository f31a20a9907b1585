import { randomBytes, randomInt } from "node:crypto";

/**
 * A new row id: a UUIDv7 (RFC 9562 §5.7) — 48 bits of Unix milliseconds, a 12-bit counter,
 * then 62 random bits. Time-ordered ids keep B-tree inserts local on both engines and make a
 * stable tie-breaker for keyset paging and "oldest first" lists; the random part makes them
 * unguessable. Ids made in one process are strictly increasing even within one millisecond
 * (RFC 9562 §6.2, method 1: the counter starts at a random value in its lower half each new
 * millisecond and counts up; past its top the timestamp moves on by one).
 */
let lastMs = -1;
let counter = 0;

export function newId(now: number = Date.now()): string {
  const ms = Math.max(0, Math.floor(now)) % 2 ** 48;
  if (ms > lastMs) {
    lastMs = ms;
    counter = randomInt(0, 0x800);
  } else if (++counter > 0xfff) {
    lastMs += 1;
    counter = randomInt(0, 0x800);
  }
  const b = randomBytes(16);
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
