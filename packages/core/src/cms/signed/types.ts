import type { CipherName, DigestName } from "../../algorithms.js";
import type { BerLimits } from "../../asn1/ber-reader.js";
import type { Certificate } from "../../pki/certificate.js";
import type { Crl } from "../../pki/crl.js";
import type { Identity } from "../../pki/identity.js";
import type { PathBudget } from "../../pki/path-budget.js";

/** Content to sign or to verify against: the exact bytes (the caller canonicalises MIME). */
export type ContentSource = Uint8Array | AsyncIterable<Uint8Array>;

export interface SignerOptions {
  identity: Identity;
  /** Default SHA-256. SHA-1 only when asked for explicitly; MD5 is never written. */
  digest?: DigestName;
  /** RSA keys only: PKCS#1 v1.5 (default) or RSASSA-PSS (RFC 4056). */
  scheme?: "pkcs1" | "pss";
  /** SignerIdentifier (RFC 5652 §5.3): issuerAndSerialNumber (v1, default) or subjectKeyIdentifier (v3). */
  sid?: "issuerAndSerialNumber" | "subjectKeyIdentifier";
}

export interface SignOptions {
  signers: SignerOptions[];
  /** true: eContent absent (multipart/signed); false: content inside (opaque signed-data). */
  detached: boolean;
  /** The signingTime attribute value. Default `now()`. */
  signingTime?: Date;
  /** Clock used when `signingTime` is not given. Default `() => new Date()`. */
  now?: () => Date;
  /** SMIMECapabilities in preference order (RFC 8551 §2.5.2). Default DEFAULT_CAPABILITIES. */
  capabilities?: CipherName[];
  /** Include each signer's certificate and chain (default true). */
  includeChain?: boolean;
  /** Write signed attributes (default true). Without them the signature covers the content directly. */
  signedAttributes?: boolean;
  /** eContentType (default id-data). Anything else requires signed attributes (RFC 5652 §5.3). */
  contentType?: string;
  /**
   * The content's digests by name, computed by the caller (while it streamed the content out),
   * in place of the content, which is then `undefined`. Needs `detached` and signed attributes:
   * each signer's messageDigest attribute is taken from here (RFC 5652 §5.4, §11.2).
   */
  contentDigests?: ReadonlyMap<DigestName, Uint8Array>;
}

export interface VerifyLimits {
  /** BER reader limits for the whole message. */
  ber?: Partial<BerLimits>;
  /** Most SignerInfos examined (each costs a public-key operation). */
  maxSigners?: number;
  /** Most certificates read from the message (each costs a key import). */
  maxCertificates?: number;
  /** Most issuer candidates tried per path search. */
  maxPathCandidates?: number;
  /**
   * Most signature checks path validation may spend on the whole call (every signer, every
   * candidate issuer, every CRL), unless `pathBudget` is given. Default DEFAULT_PATH_BUDGET.
   */
  maxSignatureChecks?: number;
}

export interface VerifyOptions {
  /** Detached content (exact bytes). Required when eContent is absent; refused when present. */
  content?: ContentSource;
  /**
   * Instead of `content`: digests of the detached content by name, computed by the caller (while
   * it streamed the content elsewhere). A signer using a digest missing here, or signing the
   * content directly (no signed attributes), throws CoreError("not-streamable").
   */
  contentDigests?: ReadonlyMap<DigestName, Uint8Array>;
  /** Trust anchors. */
  trust: readonly Certificate[];
  /** Address book, directory, extra intermediates: candidates, never anchors. */
  known?: readonly Certificate[];
  crls?: readonly Crl[];
  /** Validation time (SMIME-NOTES §7.5). Default `now()`. */
  at?: Date;
  now?: () => Date;
  /**
   * Addresses one of which a certificate address must equal (the From mailboxes, or --from).
   * An empty list matches nothing (a From without a mailbox); undefined skips the check.
   */
  expectedAddresses?: readonly string[];
  limits?: VerifyLimits;
  /**
   * A budget shared with other calls for the same message (openMessage passes one to every
   * layer); it records what was spent. Default: a new one of `limits.maxSignatureChecks`.
   */
  pathBudget?: PathBudget;
  /**
   * Parsed message certificates by SHA-256 (hex) of their DER, owned by the caller and reused
   * across calls: a certificate's key import costs more than the RSA verification itself.
   * Entries are added while the map holds fewer than 1000.
   */
  certificateCache?: Map<string, Certificate>;
}

/**
 * A signer's verdict, in the order statuses are reported (the first that applies):
 * `bad-signature` (the content or signed attributes do not match the signature), then
 * `unknown-signer` (no certificate for the signer: nothing to check the signature with) and
 * `unsupported-algorithm` (a digest or signature algorithm core does not implement, e.g. DSA):
 * neither of those two says the content was altered. Then what path validation and RFC 8550
 * say about a good signature.
 */
export type SignerStatus =
  | "bad-signature"
  | "unknown-signer"
  | "unsupported-algorithm"
  | "revoked"
  | "expired"
  | "not-yet-valid"
  | "untrusted"
  | "wrong-usage"
  | "weak-algorithm"
  | "address-mismatch"
  | "valid";

export interface SignerVerdict {
  /** The certificate's common name, if any. */
  name?: string;
  /** The certificate address that matched expectedAddresses, else its first address. */
  email?: string;
  emails: string[];
  certificate?: Certificate;
  /** The digest name, or the OID when we do not know it. */
  digest: DigestName | string;
  /** "RSA", "RSA-PSS", "ECDSA", "Ed25519", or the OID when unsupported. */
  signatureAlgorithm: string;
  status: SignerStatus;
  /** SHA-1 or MD5. */
  weakDigest?: true;
  /** The signer's claim (unauthenticated, RFC 5652 §11.3). */
  signingTime?: Date;
  reason: string;
  /** leaf → anchor when a path was found, else as far as it got. */
  chain: Certificate[];
}

export interface VerifyResult {
  form: "detached" | "encapsulated";
  /** eContent value octets (joined across BER pieces), for the encapsulated form. */
  content?: Uint8Array;
  /** eContentType, dotted. */
  contentType: string;
  /** The signers' digest algorithms we know, in order, without repeats. */
  digests: DigestName[];
  signers: SignerVerdict[];
  /** Every certificate the message carried (parsed; unparseable ones are skipped). */
  certificates: Certificate[];
  /** The validation time used. */
  at: Date;
}
