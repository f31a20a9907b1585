import { domainToASCII } from "node:url";
import { parseAddress, StoreError } from "@sealbox/store";

/**
 * The comparison key of a mail address (case-insensitive, domain without trailing dots, IDNs
 * as A-labels), or undefined when it is no address. A local stand-in for core's one address
 * module: when that lands, this becomes a call to it.
 */
export function addressKey(address: string): string | undefined {
  try {
    return parseAddress(address).lower;
  } catch (error) {
    if (error instanceof StoreError) return undefined;
    throw error;
  }
}

/**
 * The domain of an address in its stored form (lower case, no trailing dot, A-labels), or
 * undefined when there is none. Read from the text after the last "@" whatever the local part
 * is, so a local part parseAddress refuses (`"alice"@local.test`) still names its domain.
 */
export function addressDomain(address: string): string | undefined {
  const at = address.lastIndexOf("@");
  if (at < 0) return undefined;
  const domain = domainToASCII(
    address
      .slice(at + 1)
      .trim()
      .replace(/\.+$/, ""),
  ).toLowerCase();
  return domain === "" ? undefined : domain;
}
