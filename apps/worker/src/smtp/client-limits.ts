import { isIPv6 } from "node:net";

/**
 * The key one client is counted under for the per-address connection cap: an IPv4 address
 * (also when a dual-stack socket reports it IPv4-mapped), or the /64 of an IPv6 address —
 * one host is commonly given a whole /64, so counting single IPv6 addresses would let it
 * open connections from as many addresses as it likes.
 */
export function clientKey(remoteAddress: string): string {
  const address = remoteAddress.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  if (!isIPv6(address)) return address;
  const [head = "", tail = ""] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = address.includes("::")
    ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

/** Open connections per client key; `take` refuses past `max`, `give` returns a slot. */
export class ClientCounter {
  readonly #open = new Map<string, number>();

  constructor(readonly max: number) {}

  take(key: string): boolean {
    const n = this.#open.get(key) ?? 0;
    if (n >= this.max) return false;
    this.#open.set(key, n + 1);
    return true;
  }

  give(key: string): void {
    const n = (this.#open.get(key) ?? 0) - 1;
    if (n > 0) this.#open.set(key, n);
    else this.#open.delete(key);
  }

  count(key: string): number {
    return this.#open.get(key) ?? 0;
  }
}
