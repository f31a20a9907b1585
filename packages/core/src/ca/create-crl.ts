import { OID } from "../algorithms.js";
import { der } from "../asn1/index.js";
import { CoreError } from "../errors.js";
import { KEY_USAGE, keyIdentifier } from "../pki/certificate.js";
import type { Identity } from "../pki/identity.js";
import { extension, signBytes, signerFor, wholeSeconds } from "./certificate-builder.js";

/** CRLReason (RFC 5280 §5.3.1); 7 is unused. "unspecified" is written by leaving the reason out. */
export const CRL_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type CrlReason = keyof typeof CRL_REASONS;

export interface RevokedCertificate {
  serial: bigint;
  revokedAt: Date;
  reason?: CrlReason;
}

export interface CreateCrlOptions {
  revoked: readonly RevokedCertificate[];
  thisUpdate: Date;
  nextUpdate: Date;
  /** Monotonically increasing (RFC 5280 §5.2.3); the store keeps the counter. */
  crlNumber: bigint | number;
}

/**
 * A v2 CRL (RFC 5280 §5.1) signed by the CA: issuer = the CA's subject, entries with
 * reasonCode when given, and the two extensions conforming CRL issuers MUST include —
 * authorityKeyIdentifier and cRLNumber (§5.2.1, §5.2.3). Returns DER.
 */
export function createCrl(ca: Identity, options: CreateCrlOptions): Uint8Array {
  const cert = ca.certificate;
  if (cert.keyUsage && !cert.keyUsage.has(KEY_USAGE.cRLSign))
    throw new CoreError("invalid-argument", `${cert.subject} may not sign CRLs (keyUsage lacks cRLSign)`);
  const crlNumber = BigInt(options.crlNumber);
  if (crlNumber < 0n || crlNumber >= 1n << 159n)
    throw new CoreError("invalid-argument", "cRLNumber must be 0..2^159 (RFC 5280 §5.2.3)");
  if (options.nextUpdate <= options.thisUpdate)
    throw new CoreError("invalid-argument", "nextUpdate must be after thisUpdate");
  const signer = signerFor(ca.privateKey);
  const entries = [...options.revoked]
    .sort((a, b) => (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0))
    .map((r) => {
      if (r.serial <= 0n) throw new CoreError("invalid-argument", "revoked serial must be positive");
      const reason = r.reason ? CRL_REASONS[r.reason] : 0;
      const exts = reason
        ? [der.sequence(extension(OID.crlReason, false, der.tlv(0x0a, Uint8Array.of(reason))))]
        : [];
      return der.sequence(der.integer(r.serial), der.time(wholeSeconds(r.revokedAt)), ...exts);
    });
  const tbs = der.sequence(
    der.integer(1), // v2
    signer.algorithm,
    cert.subjectName.der,
    der.time(wholeSeconds(options.thisUpdate)),
    der.time(wholeSeconds(options.nextUpdate)),
    ...(entries.length ? [der.sequence(...entries)] : []),
    der.explicit(
      0,
      der.sequence(
        extension(
          OID.authorityKeyIdentifier,
          false,
          der.sequence(der.implicitPrimitive(0, keyIdentifier(cert))),
        ),
        extension(OID.crlNumber, false, der.integer(crlNumber)),
      ),
    ),
  );
  return der.sequence(tbs, signer.algorithm, der.bitString(signBytes(signer, tbs)));
}
