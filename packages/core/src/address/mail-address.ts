import { normaliseDomain } from "./domain.js";

/**
 * Mail addresses in the one form Sealbox compares them in (RFC 8550 §3 signer matching,
 * name constraints, account and contact keys): local part NFC-normalised and compared
 * case-insensitively (what every mainstream server does, RFC 5321 §2.4 notwithstanding),
 * domain as in `normaliseDomain` (A-labels, lower case, trailing dots removed). Display
 * names are never part of an address.
 */

export interface AddressParts {
  /** The local part as written (angle brackets and surrounding space removed). */
  local: string;
  /** The domain as written. */
  domain: string;
}

/** Splits `local@domain` at the last "@"; undefined when there is no "@" with text on both sides. */
export function splitAddress(address: string): AddressParts | undefined {
  const trimmed = address.trim().replace(/^<|>$/g, "").trim();
  const at = trimmed.lastIndexOf("@");
  if (at <= 0 || at === trimmed.length - 1) return undefined;
  return { local: trimmed.slice(0, at), domain: trimmed.slice(at + 1) };
}

/** The comparison key of an address; text without an "@" is only trimmed and lower-cased. */
export function normaliseAddress(address: string): string {
  const parts = splitAddress(address);
  if (!parts) return address.trim().replace(/^<|>$/g, "").trim().normalize("NFC").toLowerCase();
  return `${parts.local.normalize("NFC").toLowerCase()}@${normaliseDomain(parts.domain)}`;
}

/** Are `a` and `b` the same mailbox? Both must hold an "@". */
export function sameAddress(a: string, b: string): boolean {
  return splitAddress(a) !== undefined && normaliseAddress(a) === normaliseAddress(b);
}

/** The first of `candidates` that is the same mailbox as one of `expected`, or undefined. */
export function matchAddress(candidates: readonly string[], expected: readonly string[]): string | undefined {
  const wanted = new Set(expected.filter((e) => splitAddress(e) !== undefined).map(normaliseAddress));
  return candidates.find((a) => splitAddress(a) !== undefined && wanted.has(normaliseAddress(a)));
}
