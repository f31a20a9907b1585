import type { CipherName, DigestName, KeyManagementName } from "../algorithms.js";
import type { SignerStatus } from "../cms/signed/types.js";
import type { Certificate } from "../pki/certificate.js";

export interface SignerReport {
  name: string | null;
  email: string | null;
  emails: string[];
  status: SignerStatus;
  reason: string;
  digest: string;
  weakDigest?: true;
  signingTime: string | null;
  certificate?: Certificate;
}

export interface EncryptedLayer {
  type: "encrypted";
  /** "enveloped" (EnvelopedData) or "authEnveloped" (AuthEnvelopedData, AES-GCM). */
  kind: "enveloped" | "authEnveloped";
  cipher: CipherName;
  keyManagement: KeyManagementName[];
  recipients: number;
  decrypted: true;
}

export interface SignedLayer {
  type: "signed";
  form: "detached" | "opaque";
  /** The first signer's digest name (banner: "Signed Data (Text SHA-256)"). */
  digest: string;
  digests: string[];
  /** The signed entity's top-level media type, capitalised: Text, Multipart, Message, Application… */
  content: string;
  /** The signed entity's full media type, lowercase ("text/plain", "application/pdf"). */
  mediaType: string;
  signers: SignerReport[];
  /**
   * Present only for a signed part inside a multipart that is not itself signed (a mailing list
   * added a footer): the signature covers that part alone, not the message. Absent: the layer
   * covers the whole message (or all that the layers outside it hold).
   */
  scope?: "part";
  /** With `scope`: the part's MIME path in IMAP section numbering ("1", "2.1"). */
  path?: string;
}

export type Layer = EncryptedLayer | SignedLayer;

export type { CipherName, DigestName };
