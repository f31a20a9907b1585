/**
 * Domain names in the one form Sealbox compares and stores them in: lower-case A-labels
 * (IDNA, RFC 5891 / UTS #46 as the WHATWG URL parser applies it), with trailing dots removed.
 * A fully qualified `example.com.` and `example.com` are the same domain everywhere, so a
 * trailing dot can neither escape a name constraint nor make a second account for a domain.
 *
 * Import-free (the global URL does the IDNA mapping in Node and in browsers alike), so web
 * client code can load it through `@sealbox/core/address`.
 */

// Characters the URL parser would read as something other than a host (or reject): such an
// input is not a domain, whatever the IDNA mapping of its pieces would be.
const NOT_A_HOST = /[\s/\\?#@:[\]%<>^|"]/u;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Without leading white space, and without trailing dots and white space in any mix ("a. ." is "a"). */
function stripEnds(domain: string): string {
  return domain.replace(/^\s+/, "").replace(/[\s.]+$/, "");
}

/** The A-label form of `domain` without trailing dots, or undefined when IDNA refuses it. */
function toAscii(domain: string): string | undefined {
  const trimmed = stripEnds(domain);
  if (trimmed === "" || NOT_A_HOST.test(trimmed)) return undefined;
  try {
    const host = new URL(`http://${trimmed}/`).hostname.replace(/\.+$/, "");
    // The URL parser reads "0x7f.1" or "1.2.3" as IPv4 addresses; a mail domain is never
    // rewritten into another name that way.
    if (/^[\d.]+$/.test(host) && host !== trimmed.toLowerCase()) return undefined;
    return host === "" ? undefined : host;
  } catch {
    return undefined;
  }
}

/**
 * The comparison form of a domain. Never throws: what IDNA refuses is lower-cased and
 * trimmed of trailing dots as it stands, so it still compares equal only to itself.
 */
export function normaliseDomain(domain: string): string {
  const lower = stripEnds(domain).toLowerCase();
  // Lower case can turn what IDNA refused into what it maps ("Ⴀ" into "ⴀ"): ask it again.
  return toAscii(domain) ?? toAscii(lower) ?? lower;
}

/**
 * A mail domain (RFC 5321 §4.1.2 host name: letter-digit-hyphen labels of at most 63
 * octets, 253 in all) in comparison form, or undefined when `input` is not one.
 */
export function mailDomain(input: string): string | undefined {
  const ascii = toAscii(input);
  if (ascii === undefined || ascii.length > 253) return undefined;
  return ascii.split(".").every((label) => LABEL.test(label)) ? ascii : undefined;
}

/**
 * Is `domain` equal to `base` or below it? A `base` written with a leading "." matches only
 * names strictly below it (the rfc822Name constraint form, RFC 5280 §4.2.1.10); an empty
 * base matches every domain.
 */
export function domainWithin(domain: string, base: string): boolean {
  const trimmed = base.trim();
  const b = normaliseDomain(trimmed.replace(/^\.+/, ""));
  const d = normaliseDomain(domain);
  if (b === "") return true;
  return d.endsWith(`.${b}`) || (!trimmed.startsWith(".") && d === b);
}

/** Are `a` and `b` the same domain? */
export function sameDomain(a: string, b: string): boolean {
  return normaliseDomain(a) === normaliseDomain(b);
}
