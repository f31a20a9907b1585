import { type Certificate, isCoreError, parseCertificate, pemBlocks } from "@sealbox/core";
import { StoreError } from "../errors.js";
import type { CertificateView } from "./read-message.js";

/** Certificates from an uploaded file: one or more PEM blocks, or one DER certificate. */
export function readCertificateFile(bytes: Uint8Array): Certificate[] {
  const text = Buffer.from(bytes).toString("latin1");
  const ders = text.includes("-----BEGIN") ? pemBlocks(text, "CERTIFICATE") : [bytes];
  if (ders.length === 0) throw new StoreError("invalid-argument", "the file holds no PEM certificate");
  try {
    return ders.map((der) => parseCertificate(der));
  } catch (error) {
    if (isCoreError(error))
      throw new StoreError(
        "invalid-argument",
        `the file is not an X.509 certificate (PEM or DER): ${error.message}`,
        {
          cause: error,
        },
      );
    throw error;
  }
}

/** What a user is shown of a certificate: subject, addresses, issuer, validity, fingerprint, key. */
export function describeCertificate(
  der: Uint8Array,
): CertificateView & { keyAlgorithm: string; keySize: number } {
  const cert = parseCertificate(der);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    emails: cert.emails,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    sha256: cert.sha256,
    serial: cert.serialHex,
    keyAlgorithm: cert.keyAlgorithm,
    keySize: cert.keySize,
  };
}

/** "RSA 2048" / "EC P-256": the key as the Secure Mail page writes it. */
export function keyDescription(algorithm: string | undefined, size: number | undefined): string {
  if (!algorithm) return "";
  if (algorithm === "EC" && size) return `EC P-${size}`;
  return size ? `${algorithm} ${size}` : algorithm;
}
