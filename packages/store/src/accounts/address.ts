import { normalizeDomain } from "../domains/domain-name.js";
import { StoreError } from "../errors.js";

export interface MailAddress {
  /** local@domain, the local part as given, the domain normalised. */
  address: string;
  /** The case-insensitive key. */
  lower: string;
  local: string;
  domain: string;
}

// RFC 5321 §4.5.3.1.1: local part ≤ 64 octets. Quoted local parts are not accepted for
// accounts (no mainstream client lets users type them); UTF-8 is (RFC 6531).
const LOCAL = /^[^\s@<>()[\]\\,;:"\p{Cc}]{1,64}$/u;

export function parseAddress(input: string): MailAddress {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf("@");
  const local = at > 0 ? trimmed.slice(0, at) : "";
  if (!LOCAL.test(local) || local.startsWith(".") || local.endsWith(".") || local.includes(".."))
    throw new StoreError("invalid-argument", `"${input}" is not a valid mail address (name@domain)`);
  const domain = normalizeDomain(trimmed.slice(at + 1));
  const address = `${local}@${domain}`;
  return { address, lower: address.toLowerCase(), local, domain };
}
