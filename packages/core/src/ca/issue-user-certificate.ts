import { createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { normaliseDomain } from "../address/index.js";
import { OID } from "../algorithms.js";
import { der } from "../asn1/index.js";
import { CoreError } from "../errors.js";
import { KEY_USAGE, keyIdentifier } from "../pki/certificate.js";
import type { Identity } from "../pki/identity.js";
import {
  buildCertificate,
  encodeName,
  extension,
  keyIdentifierOf,
  randomSerial,
  signerFor,
  spkiOf,
  wholeSeconds,
} from "./certificate-builder.js";
import { BACKDATE_MS } from "./create-ca.js";
import { crlDistributionPointsExtension } from "./crl-distribution-points.js";

const generate = promisify(generateKeyPair);

export type UserKeyAlgorithm = "RSA-2048" | "RSA-3072" | "RSA-4096" | "EC-P256";

export interface IssueUserCertificateOptions {
  email: string;
  /** Subject common name; the address when absent. */
  name?: string;
  keyAlgorithm?: UserKeyAlgorithm;
  validityDays?: number;
  now?: Date;
  /** Certify this key instead of generating one (the returned identity then has no private key). */
  publicKey?: KeyObject;
  /** Override the random serial (the store may insist on one it has checked is unused). */
  serial?: bigint;
  /**
   * Where relying parties fetch the CA's current CRL (an absolute http(s) URL): written as the
   * CRLDistributionPoints extension, so external clients can check revocation.
   */
  crlDistributionPoint?: string;
}

/** With `publicKey` given, no private key exists here: the result carries only the certificate. */
export interface IssuedCertificate extends Omit<Identity, "privateKey"> {
  privateKey: KeyObject | undefined;
}

/**
 * Issues an S/MIME end-entity certificate (RFC 8550 §4.4; RFC 5280 §4.2): subject CN, SAN
 * rfc822Name (SmtpUTF8Mailbox, RFC 9598, for a non-ASCII local part), keyUsage critical —
 * digitalSignature + keyEncipherment for RSA, digitalSignature + keyAgreement for EC —, EKU
 * emailProtection, basicConstraints cA=FALSE, SKI and AKI (the CA's key identifier), the CRL
 * distribution point when one is given (RFC 5280 §4.2.1.13), a random 16-byte serial, signed
 * SHA-256 with RSA PKCS#1 v1.5 or ECDSA. Validity never outlasts the CA.
 */
export async function issueUserCertificate(
  ca: Identity,
  options: IssueUserCertificateOptions,
): Promise<IssuedCertificate> {
  const email = normalizeEmail(options.email);
  const name = (options.name ?? email.display).trim() || email.display;
  if (name.length > 64)
    throw new CoreError("invalid-argument", "name must be at most 64 characters (ub-common-name)");
  const days = options.validityDays ?? 730;
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new CoreError("invalid-argument", `validity must be 1..3650 days, got ${days}`);
  const now = wholeSeconds(options.now ?? new Date());
  const privateKey = options.publicKey
    ? undefined
    : await generateUserKey(options.keyAlgorithm ?? "RSA-2048");
  const publicKey = options.publicKey ?? createPublicKey(privateKey as KeyObject);
  const type = publicKey.asymmetricKeyType;
  if (type !== "rsa" && type !== "ec")
    throw new CoreError("invalid-argument", `user keys must be RSA or EC, not ${type ?? "unknown"}`);
  const spki = spkiOf(publicKey);
  const caNotAfter = ca.certificate.notAfter.getTime();
  const notAfter = new Date(Math.min(now.getTime() + days * 86_400_000, caNotAfter));
  const notBefore = new Date(Math.max(now.getTime() - BACKDATE_MS, ca.certificate.notBefore.getTime()));
  if (notAfter <= notBefore) throw new CoreError("invalid-argument", "the CA certificate has expired");
  const crlDistributionPoints =
    options.crlDistributionPoint === undefined
      ? []
      : [crlDistributionPointsExtension(options.crlDistributionPoint)];
  const usage =
    type === "rsa"
      ? [KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment]
      : [KEY_USAGE.digitalSignature, KEY_USAGE.keyAgreement];
  const certificate = buildCertificate(
    {
      serial: options.serial ?? randomSerial(),
      issuer: ca.certificate.subjectName.der,
      subject: encodeName([[OID.commonName, name]]),
      notBefore,
      notAfter,
      spki,
      extensions: [
        extension(OID.basicConstraints, true, der.sequence()),
        extension(OID.keyUsage, true, der.namedBits(usage)),
        extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.emailProtection))),
        extension(OID.subjectAltName, false, der.sequence(email.generalName)),
        extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifierOf(spki))),
        extension(
          OID.authorityKeyIdentifier,
          false,
          der.sequence(der.implicitPrimitive(0, keyIdentifier(ca.certificate))),
        ),
        ...crlDistributionPoints,
      ],
    },
    signerFor(ca.privateKey),
  );
  return { privateKey, certificate, chain: [ca.certificate, ...ca.chain] };
}

async function generateUserKey(algorithm: UserKeyAlgorithm): Promise<KeyObject> {
  switch (algorithm) {
    case "RSA-2048":
      return (await generate("rsa", { modulusLength: 2048 })).privateKey;
    case "RSA-3072":
      return (await generate("rsa", { modulusLength: 3072 })).privateKey;
    case "RSA-4096":
      return (await generate("rsa", { modulusLength: 4096 })).privateKey;
    case "EC-P256":
      return (await generate("ec", { namedCurve: "P-256" })).privateKey;
    default:
      throw new CoreError("invalid-argument", `unknown key algorithm ${String(algorithm)}`);
  }
}

/**
 * An addr-spec for the SAN (RFC 5280 §4.2.1.6): rfc822Name is IA5String, so an IDN domain
 * goes in as its A-label (RFC 5280 §7.5); a non-ASCII local part needs SmtpUTF8Mailbox
 * (RFC 9598 §3), an otherName with a UTF8String.
 */
function normalizeEmail(input: string): { display: string; generalName: Uint8Array } {
  const address = input.trim().normalize("NFC");
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (
    at < 1 ||
    domain.length === 0 ||
    /[\s<>()[\],;:"]/.test(domain) ||
    /\s/.test(local) ||
    address.length > 254
  )
    throw new CoreError("invalid-argument", `not an email address: "${input}"`);
  const asciiDomain = normaliseDomain(domain);
  if (asciiDomain === "" || !/^[\x21-\x7e]+$/.test(asciiDomain))
    throw new CoreError("invalid-argument", `bad domain in "${input}"`);
  if (/^[\x21-\x7e]+$/.test(local))
    return {
      display: `${local}@${asciiDomain}`,
      generalName: der.implicitPrimitive(1, Buffer.from(`${local}@${asciiDomain}`, "latin1")),
    };
  const mailbox = `${local}@${domain.replace(/\.+$/, "")}`;
  return {
    display: mailbox,
    generalName: der.implicitConstructed(0, [
      der.oid(OID.smtpUtf8Mailbox),
      der.explicit(0, der.utf8String(mailbox)),
    ]),
  };
}
