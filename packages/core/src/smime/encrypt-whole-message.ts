import { type CipherName, cipherByName, DEFAULT_CIPHER } from "../algorithms.js";
import { encryptEnveloped } from "../cms/enveloped/index.js";
import { CoreError } from "../errors.js";
import { buildPkcs7Mime } from "../mime/build.js";
import { getHeaders, parseEntity } from "../mime/parse-entity.js";
import type { Certificate } from "../pki/certificate.js";

/** Fields that stay readable outside a whole-message envelope. */
export const ENVELOPE_VISIBLE_FIELDS = ["From", "To", "Cc", "Date", "Message-ID", "Subject"] as const;

export interface EncryptWholeMessageOptions {
  recipients: Certificate[];
  cipher?: CipherName;
  oaep?: boolean;
  /** Leave Subject out of the visible envelope. */
  hideSubject?: boolean;
}

/**
 * Encrypts a complete stored message — every header field and the body, byte for byte as
 * stored — so that decrypting it gives back exactly those bytes (Encrypt in place, Store
 * Encrypted). The visible envelope keeps copies of From, To, Cc, Date, Message-ID and
 * (unless hidden) Subject, as their original raw field bytes.
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
  const visible: Uint8Array[] = [];
  for (const name of ENVELOPE_VISIBLE_FIELDS) {
    if (name === "Subject" && options.hideSubject) continue;
    for (const field of getHeaders(message, name)) visible.push(withCrlf(field.raw));
  }
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

function withCrlf(field: Uint8Array): Uint8Array {
  const text = Buffer.from(field);
  // A stored LF-only message keeps its bytes inside; the envelope itself is canonical CRLF.
  return Buffer.from(text.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
}
