import { type CipherName, cipherByName, DEFAULT_CIPHER } from "../algorithms.js";
import { encryptEnveloped } from "../cms/enveloped/index.js";
import { CoreError } from "../errors.js";
import { buildPkcs7Mime } from "../mime/build.js";
import { getHeaders, parseEntity } from "../mime/parse-entity.js";
import type { Certificate } from "../pki/certificate.js";
import { envelopeFields } from "./envelope-fields.js";

/** Fields that stay readable outside a whole-message envelope. */
export const ENVELOPE_VISIBLE_FIELDS = ["From", "To", "Cc", "Date", "Message-ID", "Subject"] as const;

export interface EncryptWholeMessageOptions {
  recipients: Certificate[];
  cipher?: CipherName;
  oaep?: boolean;
  /** The visible Subject reads "[...]" (envelope-fields.ts); the encrypted message keeps the real one. */
  hideSubject?: boolean;
}

/**
 * Encrypts a complete stored message — every header field and the body, byte for byte as
 * stored — so that decrypting it gives back exactly those bytes (Encrypt in place, Store
 * Encrypted). The visible envelope keeps copies of From, To, Cc, Date, Message-ID and
 * Subject, as their original raw field bytes — the Subject as "[...]" when hidden. The inner
 * message is not given RFC 9788's HP-Outer fields or `hp` parameter: it stays the stored bytes.
 */
export async function encryptWholeMessage(
  raw: Uint8Array,
  options: EncryptWholeMessageOptions,
): Promise<Uint8Array> {
  const cipher = options.cipher ?? DEFAULT_CIPHER;
  const info = cipherByName(cipher);
  if (!info) throw new CoreError("unsupported-algorithm", `cipher ${cipher}`);
  if (options.recipients.length === 0)
    throw new CoreError("invalid-argument", "encryption needs at least one recipient");
  const message = parseEntity(raw);
  const visible = envelopeFields(
    ENVELOPE_VISIBLE_FIELDS.flatMap((name) => getHeaders(message, name)),
    options.hideSubject ?? false,
  );
  const der = await encryptEnveloped(raw, {
    recipients: options.recipients,
    cipher,
    oaep: options.oaep ? { hash: "SHA-256" } : false,
  });
  const envelope = buildPkcs7Mime({
    der,
    smimeType: info.mode === "gcm" ? "authEnveloped-data" : "enveloped-data",
    mimeVersion: false,
  });
  return Buffer.concat([...visible, Buffer.from("MIME-Version: 1.0\r\n"), envelope]);
}
