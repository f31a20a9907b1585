import { OID } from "../algorithms.js";
import { der } from "../asn1/index.js";
import { CoreError } from "../errors.js";
import { extension } from "./certificate-builder.js";

/** Longer than any sane CRL address; a bound keeps a misconfigured URL out of every certificate. */
const MAX_URL_LENGTH = 2048;

/**
 * CRLDistributionPoints (RFC 5280 §4.2.1.13), non-critical, with one DistributionPoint whose
 * distributionPoint is a fullName of one uniformResourceIdentifier — the shape OpenSSL,
 * NSS and Windows read:
 *
 *   CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint
 *   DistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName OPTIONAL, … }
 *   DistributionPointName ::= CHOICE { fullName [0] GeneralNames, … }
 *   GeneralName ::= CHOICE { …, uniformResourceIdentifier [6] IA5String, … }
 *
 * The module uses implicit tags, but a tag on a CHOICE is always explicit (X.680 §31.2.7), so
 * distributionPoint [0] wraps the fullName [0], which replaces the GeneralNames SEQUENCE tag.
 * The URL must be an absolute http(s) address of one DER CRL (§4.2.1.13) in ASCII (IA5String).
 */
export function crlDistributionPointsExtension(url: string): Uint8Array {
  if (url.length > MAX_URL_LENGTH)
    throw new CoreError("invalid-argument", `a CRL address must be at most ${MAX_URL_LENGTH} characters`);
  if (!/^https?:\/\/[\x21-\x7e]+$/i.test(url) || !URL.canParse(url))
    throw new CoreError(
      "invalid-argument",
      `a CRL distribution point must be an absolute http:// or https:// URL in ASCII (got "${url}")`,
    );
  const uri = der.implicitPrimitive(6, Buffer.from(url, "latin1"));
  const fullName = der.implicitConstructed(0, [uri]);
  return extension(OID.crlDistributionPoints, false, der.sequence(der.sequence(der.explicit(0, fullName))));
}
