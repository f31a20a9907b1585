import { isAscii } from "node:buffer";
import {
  type CipherName,
  cipherByName,
  DEFAULT_CIPHER,
  type DigestName,
  digestByName,
} from "../algorithms.js";
import { encryptEnveloped } from "../cms/enveloped/index.js";
import { signData } from "../cms/signed/index.js";
import { CoreError } from "../errors.js";
import { buildMultipartSigned, buildPkcs7Mime, makeSignable } from "../mime/build.js";
import { toCanonicalCrlf } from "../mime/canonicalize.js";
import { contentEntityBytes, splitMessageHeaders } from "../mime/headers.js";
import { getHeader, type HeaderField, type MimeEntity, parseEntity } from "../mime/parse-entity.js";
import type { Certificate } from "../pki/certificate.js";
import type { Identity } from "../pki/identity.js";
import { canonicalEntityBytes } from "./body.js";
import { envelopeFields } from "./envelope-fields.js";
import { checkMessageSize, resolveSmimeLimits, type SmimeLimits } from "./limits.js";

export interface ProtectOptions {
  sign?: {
    identity: Identity;
    /** Default SHA-256; SHA-384 / SHA-512 for P-384 / P-521 keys (RFC 5480 §4). */
    digest?: DigestName;
    /** application/pkcs7-mime signed-data instead of multipart/signed. */
    opaque?: boolean;
    scheme?: "pkcs1" | "pss";
    signingTime?: Date;
  };
  encrypt?: {
    /** Every recipient and the sender (so Sent stays readable); the caller collects them. */
    recipients: Certificate[];
    cipher?: CipherName;
    oaep?: boolean;
  };
  /** The outer Subject of an encrypted message reads "[...]" (envelope-fields.ts, RFC 9788 hcp_baseline). */
  hideSubject?: boolean;
  limits?: Partial<SmimeLimits>;
}

const CRLF = Buffer.from("\r\n");

/**
 * Signs and/or encrypts a whole RFC 5322 message (DESIGN.md `protect`). Signing covers the
 * MIME entity (Content-* fields and body) made 7-bit safe and canonical; the message's
 * other fields stay outside. Encryption wraps the complete message at that point — for
 * sign-then-encrypt the whole signed message, headers included (RFC 8551 §3) — and the
 * outer envelope keeps the non-Content fields (Bcc never leaves).
 */
export async function protectMessage(raw: Uint8Array, options: ProtectOptions): Promise<Uint8Array> {
  checkMessageSize(raw, resolveSmimeLimits(options.limits));
  if (!options.sign && !options.encrypt)
    throw new CoreError("invalid-argument", "protect needs sign and/or encrypt");
  const parsed = parseEntity(raw);
  // Canonical CRLF (RFC 8551 §3.1.1), but never inside a binary part's body: converting the
  // whole message first turned every LF octet of a binary attachment into CRLF.
  const entity = withExplicitContentType(
    parsed,
    canonicalEntityBytes(parseEntity(contentEntityBytes(parsed))),
  );
  const outerFields = outerFieldsKept(parsed).map((f) => ({ ...f, raw: toCanonicalCrlf(f.raw) }));
  const mimeVersion = Buffer.from("MIME-Version: 1.0\r\n");
  let message: Uint8Array = Buffer.concat([...outerFields.map((f) => f.raw), mimeVersion, entity]);

  if (options.sign) {
    const digest = options.sign.digest ?? defaultDigest(options.sign.identity);
    const info = digestByName(digest);
    if (!info) throw new CoreError("unsupported-algorithm", `digest ${digest}`);
    const signable = makeSignable(parseEntity(entity));
    const der = await signData(signable, {
      signers: [{ identity: options.sign.identity, digest, scheme: options.sign.scheme ?? "pkcs1" }],
      detached: !options.sign.opaque,
      signingTime: options.sign.signingTime,
      includeChain: true,
    });
    const signedEntity = options.sign.opaque
      ? buildPkcs7Mime({ der, smimeType: "signed-data", mimeVersion: false })
      : buildMultipartSigned({
          signedEntity: signable,
          signatureDer: der,
          micalg: info.micalg,
          mimeVersion: false,
        }).bytes;
    message = Buffer.concat([...outerFields.map((f) => f.raw), mimeVersion, signedEntity]);
  }

  if (options.encrypt) {
    const cipher = options.encrypt.cipher ?? DEFAULT_CIPHER;
    const cipherInfo = cipherByName(cipher);
    if (!cipherInfo) throw new CoreError("unsupported-algorithm", `cipher ${cipher}`);
    if (options.encrypt.recipients.length === 0)
      throw new CoreError("invalid-argument", "encryption needs at least one recipient");
    // The encrypted content is the complete message so far, minus Bcc, in canonical form.
    const inner = options.sign
      ? message
      : Buffer.concat([...outerFields.map((f) => f.raw), mimeVersion, entity]);
    const der = await encryptEnveloped(inner, {
      recipients: options.encrypt.recipients,
      cipher,
      oaep: options.encrypt.oaep ? { hash: "SHA-256" } : false,
    });
    const smimeType = cipherInfo.mode === "gcm" ? "authEnveloped-data" : "enveloped-data";
    const envelope = buildPkcs7Mime({ der, smimeType, mimeVersion: false });
    const visible = envelopeFields(outerFields, options.hideSubject ?? false);
    message = Buffer.concat([...visible, mimeVersion, envelope]);
  }
  return message.at(-1) === 0x0a ? message : Buffer.concat([message, CRLF]);
}

/**
 * The message's fields outside the entity that stay outside (RFC 8551 §3.1: only the entity
 * is signed): every non-Content field but Bcc (it never leaves) and MIME-Version (written anew).
 */
export function outerFieldsKept(message: Pick<MimeEntity, "headers">): HeaderField[] {
  return splitMessageHeaders(message).outer.filter(
    (f) => f.name.toLowerCase() !== "bcc" && f.name.toLowerCase() !== "mime-version",
  );
}

/**
 * SHA-256, except a digest as strong as the curve for P-384 / P-521 keys (RFC 5480 §4): gpgsm
 * refuses "a 256 bit hash … for a 384 bit ECC key", so that default would not verify there.
 */
export function defaultDigest(identity: Identity): DigestName {
  const curve = identity.privateKey.asymmetricKeyDetails?.namedCurve;
  return curve === "secp384r1" ? "SHA-384" : curve === "secp521r1" ? "SHA-512" : "SHA-256";
}

/**
 * A message without Content-Type is text/plain (RFC 2045 §5.2); say so explicitly inside
 * what we sign or encrypt, with the charset its bytes need, so no reader has to guess.
 */
function withExplicitContentType(message: MimeEntity, entity: Uint8Array): Uint8Array {
  if (getHeader(message, "content-type")) return entity;
  const eightBit = !isAscii(message.body);
  const head = eightBit
    ? "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
    : "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n";
  return Buffer.concat([Buffer.from(head, "latin1"), entity]);
}
