import { createHash, sign } from "node:crypto";
import { OID } from "../../../algorithms.js";
import {
  algorithmIdentifier,
  explicit,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
  setOf,
  time,
  tlv,
} from "../../../asn1/der-writer.js";
import type { Identity } from "../../../pki/identity.js";

/**
 * Hand-built SignedData for the rule-breaking cases no well-behaved tool writes (missing or
 * duplicate attributes, a contentType that lies, a wrong ESS hash, non-DER attribute order).
 * The signature itself is always correct over whatever attributes are given, so only the rule
 * under test is broken.
 */
export const attr = (type: string, ...values: Uint8Array[]): Uint8Array =>
  sequence(oid(type), tlv(0x31, values));

export function standardAttributes(
  content: Uint8Array,
  identity: Identity,
  contentType: string = OID.data,
): Uint8Array[] {
  return [
    attr(OID.contentType, oid(contentType)),
    attr(OID.messageDigest, octetString(createHash("sha256").update(content).digest())),
    attr(OID.signingTime, time(new Date())),
    attr(
      OID.signingCertificateV2,
      sequence(
        sequence(sequence(octetString(createHash("sha256").update(identity.certificate.der).digest()))),
      ),
    ),
  ];
}

export function craftSignedData(options: {
  identity: Identity;
  content: Uint8Array;
  detached: boolean;
  /** Raw Attribute TLVs in the order to write them (not sorted); undefined = no signed attributes. */
  attributes: Uint8Array[] | undefined;
  eContentType?: string;
  /** Sort attributes as DER requires (default true). */
  sort?: boolean;
  /** signatureAlgorithm AlgorithmIdentifier (default rsaEncryption with NULL). */
  signatureAlgorithm?: Uint8Array;
  /** digestAlgorithm AlgorithmIdentifier (default SHA-256, parameters absent). */
  digestAlgorithm?: Uint8Array;
  /** SignerIdentifier element (default issuerAndSerialNumber from the certificate). */
  sid?: Uint8Array;
}): Uint8Array {
  const { identity, content } = options;
  const attrs = options.attributes
    ? options.sort === false
      ? tlv(0x31, options.attributes)
      : setOf(options.attributes)
    : undefined;
  const signature = sign("sha256", attrs ?? content, identity.privateKey);
  const signed = attrs ? Buffer.from(attrs) : undefined;
  if (signed) signed[0] = 0xa0;
  const cert = identity.certificate;
  const signerInfo = sequence(
    integer(1),
    options.sid ?? sequence(cert.issuerName.der, integer(cert.serial)),
    options.digestAlgorithm ?? algorithmIdentifier("2.16.840.1.101.3.4.2.1"),
    ...(signed ? [signed] : []),
    options.signatureAlgorithm ?? algorithmIdentifier(OID.rsaEncryption, nullValue()),
    octetString(signature),
  );
  const encap = options.detached
    ? sequence(oid(options.eContentType ?? OID.data))
    : sequence(oid(options.eContentType ?? OID.data), explicit(0, octetString(content)));
  const sd = sequence(
    integer(1),
    setOf([algorithmIdentifier("2.16.840.1.101.3.4.2.1")]),
    encap,
    tlv(0xa0, [cert.der, ...identity.chain.map((c) => c.der)]),
    setOf([signerInfo]),
  );
  return sequence(oid(OID.signedData), explicit(0, sd));
}
