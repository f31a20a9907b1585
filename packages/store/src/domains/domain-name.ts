import { domainToASCII } from "node:url";
import { StoreError } from "../errors.js";

/**
 * A mail domain in its one stored form: lowercase ASCII (IDNs as punycode, RFC 5891),
 * no trailing dot. Refuses anything that is not a host name, so `example.com` and
 * `Example.COM.` are the same domain and `exa mple` is an error, not a row.
 */
export function normalizeDomain(input: string): string {
  const trimmed = input.trim().replace(/\.$/, "");
  const ascii = trimmed === "" ? "" : domainToASCII(trimmed).toLowerCase();
  const labels = ascii.split(".");
  const valid =
    ascii.length > 0 &&
    ascii.length <= 253 &&
    labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l));
  if (!valid) throw new StoreError("invalid-argument", `"${input}" is not a valid mail domain`);
  return ascii;
}
