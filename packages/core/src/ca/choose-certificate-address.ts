import { sameAddress } from "../address/index.js";

/**
 * The address a user certificate is issued for: the account's From address
 * when it belongs to the account (one of its addresses, compared as `sameAddress` does), else the
 * account's own address. Comparison is on the whole address, trimmed.
 */
export function chooseCertificateAddress(input: {
  fromAddress: string | undefined;
  accountAddress: string;
  accountAddresses: readonly string[];
}): string {
  const from = input.fromAddress?.trim();
  if (from) {
    const own = [input.accountAddress, ...input.accountAddresses];
    if (own.some((a) => sameAddress(a, from))) return from;
  }
  return input.accountAddress.trim();
}
