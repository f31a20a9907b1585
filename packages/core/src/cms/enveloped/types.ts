import type { CipherName, DigestName, KeyManagementName } from "../../algorithms.js";
import type { Certificate } from "../../pki/certificate.js";
import type { Identity } from "../../pki/identity.js";

/** Options for EnvelopedData / AuthEnvelopedData creation (RFC 5652 §6, RFC 5083). */
export interface EncryptOptions {
  /** Every recipient and the sender; duplicates (same certificate) are written once. */
  recipients: Certificate[];
  /** Default "AES-256-CBC"; GCM names produce AuthEnvelopedData; RC2 is never written. */
  cipher?: CipherName;
  /** RSA key transport: PKCS#1 v1.5 (default) or RSAES-OAEP with this hash (MGF1 uses the same hash). */
  oaep?: false | { hash: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512" };
  /** X9.63 KDF hash for EC recipients (dhSinglePass-stdDH-*kdf-scheme), default "SHA-256". */
  ecdhKdf?: DigestName;
  /** Default "issuerAndSerialNumber". */
  recipientIdentifier?: "issuerAndSerialNumber" | "subjectKeyIdentifier";
  /** Randomness for the CEK, IV / nonce (default node:crypto randomBytes). ECDH ephemeral keys always use node's RNG. */
  rng?: (n: number) => Uint8Array;
  /** The inner content type, default id-data. Other types get the contentType authAttr for GCM (RFC 5083 §2.1). */
  contentType?: string;
}

export interface StreamEncryptOptions extends EncryptOptions {
  /** Total plaintext length when known: the output is then DER with definite lengths. */
  contentLength?: number;
  /** Size of each constructed OCTET STRING piece in BER mode (default 64 KiB). */
  pieceSize?: number;
}

export interface EnvelopeLimits {
  /** Largest encrypted content accepted (the message-size limit). */
  maxContentBytes: number;
  /** Largest total of everything except the content (recipient infos, originator certs, attributes). */
  maxHeaderBytes: number;
  maxRecipients: number;
  /** Deepest BER nesting (constructed OCTET STRING pieces included). */
  maxDepth: number;
  /** Most ASN.1 elements in the header parts. */
  maxNodes: number;
}

export const DEFAULT_ENVELOPE_LIMITS: EnvelopeLimits = {
  maxContentBytes: 512 * 1024 * 1024,
  maxHeaderBytes: 4 * 1024 * 1024,
  maxRecipients: 1000,
  maxDepth: 32,
  maxNodes: 200_000,
};

export interface DecryptOptions {
  /** The account's current key first, then earlier keys (and earlier certificates of the same key). */
  identities: Identity[];
  limits?: Partial<EnvelopeLimits>;
  /** Randomness for substitute keys (tests); default node:crypto randomBytes. */
  rng?: (n: number) => Uint8Array;
}

/** One recipient as the message names it (one per RecipientEncryptedKey for key agreement). */
export interface RecipientIdInfo {
  type: "ktri" | "kari" | "kekri" | "pwri" | "ori";
  keyManagement?: KeyManagementName;
  issuerSerial?: { issuer: string; serialHex: string };
  /** Lowercase hex. */
  subjectKeyIdentifier?: string;
}

export interface EnvelopeInfo {
  kind: "enveloped" | "authEnveloped";
  cipher: CipherName;
  /**
   * Key management of every recipient in message order (not deduplicated: the message layer
   * dedupes for display); recipients whose kind we do not know (kekri, pwri, ori, unknown
   * key-transport algorithms) are left out here but counted in `recipients`.
   */
  keyManagement: KeyManagementName[];
  recipients: number;
  recipientIds: RecipientIdInfo[];
  /** The inner content type OID (EncryptedContentInfo.contentType). */
  contentType: string;
}

export interface DecryptResult {
  content: Uint8Array;
  contentType: string;
  info: EnvelopeInfo;
}

export interface DecryptStreamResult {
  info: EnvelopeInfo;
  contentType: string;
  /**
   * The plaintext. CBC content is released as it is decrypted; the final pad check happens
   * at the end, so a consumer must treat the output as provisional until iteration ends
   * without an error. GCM content is released only after the tag verified.
   */
  content: AsyncIterable<Uint8Array>;
}
