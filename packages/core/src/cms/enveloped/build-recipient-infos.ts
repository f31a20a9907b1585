import type { CipherInfo, DigestName } from "../../algorithms.js";
import { integer, octetString, sequence, tlv } from "../../asn1/der-writer.js";
import { CoreError } from "../../errors.js";
import { type Certificate, hasKeyUsage, KEY_USAGE } from "../../pki/certificate.js";
import { buildKeyAgreeRecipient } from "./key-agreement.js";
import { encodeKeyTransportAlgorithm, encryptKeyTransport, type OaepHash } from "./key-transport.js";

/**
 * RecipientInfos for writing (RFC 5652 §6.2): RSA certificates get a KeyTransRecipientInfo
 * (v0 with issuerAndSerialNumber, v2 with subjectKeyIdentifier), EC certificates a
 * KeyAgreeRecipientInfo (v3, RFC 5753 §3.1.1). Returns each RecipientInfo's DER and whether
 * all of them are version 0 (for the EnvelopedData version, RFC 5652 §6.1).
 */
export interface RecipientWriteOptions {
  oaep: false | { hash: OaepHash };
  ecdhKdf: DigestName;
  recipientIdentifier: "issuerAndSerialNumber" | "subjectKeyIdentifier";
  rng: (n: number) => Uint8Array;
}

function label(cert: Certificate): string {
  return cert.emails[0] ? `${cert.commonName ?? cert.subject} <${cert.emails[0]}>` : cert.subject;
}

function issuerAndSerial(cert: Certificate): Uint8Array {
  return sequence(cert.issuerName.der, integer(cert.serial));
}

export function buildRecipientInfos(
  recipients: Certificate[],
  cek: Uint8Array,
  cipher: CipherInfo,
  options: RecipientWriteOptions,
): { infos: Uint8Array[]; allVersion0: boolean } {
  if (!Array.isArray(recipients) || recipients.length === 0)
    throw new CoreError("invalid-argument", "encryption needs at least one recipient certificate");
  const seen = new Set<string>();
  const infos: Uint8Array[] = [];
  let allVersion0 = true;
  for (const cert of recipients) {
    if (seen.has(cert.sha256)) continue;
    seen.add(cert.sha256);
    // RFC 5652 §6.2.1: a SKI rid only when the certificate carries the extension (what peers match on).
    const useSki =
      options.recipientIdentifier === "subjectKeyIdentifier" && cert.subjectKeyIdentifier !== undefined;
    if (cert.keyAlgorithm === "RSA") {
      if (!hasKeyUsage(cert, KEY_USAGE.keyEncipherment))
        throw new CoreError(
          "invalid-argument",
          `cannot encrypt to ${label(cert)}: its keyUsage does not allow keyEncipherment`,
        );
      const rid = useSki ? tlv(0x80, cert.subjectKeyIdentifier as Uint8Array) : issuerAndSerial(cert);
      infos.push(
        sequence(
          integer(useSki ? 2 : 0),
          rid,
          encodeKeyTransportAlgorithm(options.oaep),
          octetString(encryptKeyTransport(cert, cek, options.oaep)),
        ),
      );
      if (useSki) allVersion0 = false;
    } else if (cert.keyAlgorithm === "EC") {
      if (!hasKeyUsage(cert, KEY_USAGE.keyAgreement))
        throw new CoreError(
          "invalid-argument",
          `cannot encrypt to ${label(cert)}: its keyUsage does not allow keyAgreement`,
        );
      const rid = useSki
        ? tlv(0xa0, octetString(cert.subjectKeyIdentifier as Uint8Array))
        : issuerAndSerial(cert);
      infos.push(buildKeyAgreeRecipient(cert, cek, cipher, { kdf: options.ecdhKdf, rid, rng: options.rng }));
      allVersion0 = false;
    } else {
      throw new CoreError(
        "invalid-argument",
        `cannot encrypt to ${label(cert)}: ${cert.keyAlgorithm} keys are not supported for S/MIME encryption`,
      );
    }
  }
  return { infos, allVersion0 };
}
