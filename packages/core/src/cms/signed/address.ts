import { domainToASCII } from "node:url";

/**
 * Mail address comparison for RFC 8550 §3 address matching. Rule (SMIME-NOTES §7.4, chosen and
 * documented here): the whole address compares case-insensitively, and the domain compares
 * as A-labels after IDNA conversion (RFC 5280 §7.5). Display names are never compared.
 */
export function normaliseAddress(address: string): string {
  const trimmed = address.trim().replace(/^<|>$/g, "");
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return trimmed.toLowerCase();
  const local = trimmed.slice(0, at).toLowerCase();
  const domain = trimmed.slice(at + 1).toLowerCase();
  return `${local}@${domainToASCII(domain) || domain}`;
}

/** The first certificate address equal to one of `expected`, or undefined. */
export function matchAddress(
  certificateAddresses: readonly string[],
  expected: readonly string[],
): string | undefined {
  const wanted = new Set(expected.map(normaliseAddress));
  return certificateAddresses.find((a) => wanted.has(normaliseAddress(a)));
}
