import { createHash } from "node:crypto";
import type { Certificate } from "../../pki/certificate.js";
import type { Identity } from "../../pki/identity.js";
import type {
  KeyAgreeRecipient,
  KeyTransRecipient,
  RecipientIdentifier,
  RecipientInfo,
} from "./recipient-infos.js";

/**
 * Chooses the ONE (identity, RecipientInfo) pair to try (RFC 5652 §6.2; SMIME-NOTES §4.3:
 * never loop over keys × recipients with an early exit, which would be a padding oracle).
 * Identities are tried in the caller's order (current key first); a RecipientInfo matches
 * an identity when its rid names the identity's certificate by issuer and serial, or names
 * its key by subjectKeyIdentifier (the extension, or the RFC 5280 §4.2.1.2 method-1 hash,
 * so a renewed certificate for the same key still matches), and the key type fits.
 */
export type RecipientMatch =
  | { identity: Identity; recipient: KeyTransRecipient; encryptedKey: Uint8Array }
  | { identity: Identity; recipient: KeyAgreeRecipient; encryptedKey: Uint8Array };

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return (
    !!a &&
    !!b &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}

export function ridMatches(rid: RecipientIdentifier, cert: Certificate): boolean {
  if (rid.subjectKeyIdentifier) {
    const method1 = createHash("sha1").update(cert.publicKeyBits).digest();
    return (
      sameBytes(rid.subjectKeyIdentifier, cert.subjectKeyIdentifier) ||
      sameBytes(rid.subjectKeyIdentifier, method1)
    );
  }
  if (rid.issuerSerial)
    return (
      rid.issuerSerial.serial === cert.serial && sameBytes(rid.issuerSerial.issuerDer, cert.issuerName.der)
    );
  return false;
}

export function findRecipient(
  recipients: RecipientInfo[],
  identities: Identity[],
): RecipientMatch | undefined {
  for (const identity of identities) {
    const keyType = identity.privateKey.asymmetricKeyType;
    for (const recipient of recipients) {
      if (recipient.type === "ktri" && keyType === "rsa" && ridMatches(recipient.rid, identity.certificate))
        return { identity, recipient, encryptedKey: recipient.encryptedKey };
      if (recipient.type === "kari" && keyType === "ec") {
        const rek = recipient.recipientEncryptedKeys.find((r) => ridMatches(r.rid, identity.certificate));
        if (rek) return { identity, recipient, encryptedKey: rek.encryptedKey };
      }
    }
  }
  return undefined;
}
