import { isIPv6 } from "node:net";

/**
 * The key one network client is counted under — by the login guard (web, SMTP AUTH, terminal
 * client) and by the SMTP listener's per-address cap: an IPv4 address (also when a dual-stack
 * socket reports it IPv4-mapped), or the /64 of an IPv6 address. One host is commonly given a
 * whole /64, so counting single IPv6 addresses would let it guess or connect from as many
 * addresses as it likes. Anything that is not an IP address is kept as it is.
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
