import type { BerLimits } from "../asn1/ber-reader.js";
import { CoreError } from "../errors.js";
import { parseContentType } from "../mime/content-type.js";
import { getHeader, type MimeEntity } from "../mime/parse-entity.js";
import { decodeEntityBody } from "./body.js";
import { isSignatureType, signedDataShape, sniffCms } from "./classify.js";

/**
 * The SignedData DER of a multipart/signed's second part (RFC 1847 §2.1, RFC 8551 §3.5.3),
 * checked: application/pkcs7-signature, a SignedData, detached, at least one SignerInfo. One
 * set of rules and messages for openMessage and openMessageStream.
 */
export function detachedSignatureDer(part: MimeEntity, ber: BerLimits): Uint8Array {
  const signatureType = parseContentType(getHeader(part, "content-type")?.value);
  if (!isSignatureType(signatureType.mediaType))
    throw new CoreError(
      "malformed",
      `multipart/signed's second part is ${signatureType.mediaType}, not application/pkcs7-signature`,
    );
  const der = decodeEntityBody(part);
  const cms = sniffCms(der);
  if (cms.kind !== "signed")
    throw new CoreError("malformed", `the signature part holds ${cms.oid}, not SignedData`);
  const shape = signedDataShape(der, ber);
  if (shape.encapsulated)
    throw new CoreError("malformed", "the multipart/signed signature part encapsulates its own content");
  if (shape.signerInfos === 0)
    throw new CoreError("malformed", "the multipart/signed signature part has no SignerInfo");
  return der;
}
