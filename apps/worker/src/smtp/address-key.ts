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

/** The domain part of an address in its stored form, or undefined when it is no address. */
export function addressDomain(address: string): string | undefined {
  try {
    return parseAddress(address).domain;
  } catch (error) {
    if (error instanceof StoreError) return undefined;
    throw error;
  }
}
