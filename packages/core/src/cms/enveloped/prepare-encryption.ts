import { randomBytes } from "node:crypto";
import {
  type CipherInfo,
  cipherByName,
  DEFAULT_CIPHER,
  digestByName,
  OID,
  WRITABLE_CIPHERS,
} from "../../algorithms.js";
import { oid, sequence, setOf, tlv } from "../../asn1/der-writer.js";
import { CoreError } from "../../errors.js";
import { buildRecipientInfos } from "./build-recipient-infos.js";
import { setDesParity } from "./cms-3des-wrap.js";
import { createContentCipher, encodeContentAlgorithm } from "./content-algorithm.js";
import type { EnvelopeLayout } from "./envelope-writer.js";
import type { EncryptOptions } from "./types.js";

/**
 * Shared set-up for encryptEnveloped and encryptEnvelopedStream: validate options, draw a
 * fresh CEK and IV/nonce (RFC 3565, RFC 5084 §3.2: never reused), build the RecipientInfos.
 */
export interface EncryptionPlan {
  cipher: CipherInfo;
  cek: Buffer;
  iv: Uint8Array;
  layout: EnvelopeLayout;
  /** The AAD for GCM (authAttrs as SET OF), empty when there are none. */
  aad: Uint8Array;
}

function draw(rng: (n: number) => Uint8Array, n: number): Buffer {
  const bytes = rng(n);
  if (!(bytes instanceof Uint8Array) || bytes.length !== n)
    throw new CoreError("invalid-argument", `options.rng must return ${n} bytes`);
  return Buffer.from(bytes);
}

export function prepareEncryption(options: EncryptOptions): EncryptionPlan {
  if (!options || typeof options !== "object")
    throw new CoreError("invalid-argument", "encryption needs options");
  const name = options.cipher ?? DEFAULT_CIPHER;
  const cipher = cipherByName(name);
  if (!cipher || !WRITABLE_CIPHERS.includes(cipher.name))
    throw new CoreError(
      "invalid-argument",
      cipher ? `${cipher.name} is read-only in Sealbox (legacy)` : `unknown cipher ${String(name)}`,
    );
  const oaep = options.oaep ?? false;
  if (oaep && !["SHA-1", "SHA-256", "SHA-384", "SHA-512"].includes(oaep.hash))
    throw new CoreError("invalid-argument", `unsupported RSA-OAEP hash ${String(oaep.hash)}`);
  const ecdhKdf = options.ecdhKdf ?? "SHA-256";
  if (!digestByName(ecdhKdf) || ecdhKdf === "MD5")
    throw new CoreError("invalid-argument", `unsupported ECDH KDF hash ${String(ecdhKdf)}`);
  const recipientIdentifier = options.recipientIdentifier ?? "issuerAndSerialNumber";
  if (recipientIdentifier !== "issuerAndSerialNumber" && recipientIdentifier !== "subjectKeyIdentifier")
    throw new CoreError("invalid-argument", `unknown recipientIdentifier ${String(recipientIdentifier)}`);
  const rng = options.rng ?? randomBytes;
  const contentType = options.contentType ?? OID.data;

  const cek = draw(rng, cipher.keyLength);
  if (cipher.name === "3DES-CBC") setDesParity(cek); // RFC 3217 §3.1 step 1 wraps a parity-adjusted key
  const iv = draw(rng, cipher.mode === "gcm" ? 12 : cipher.blockSize);
  try {
    const { infos, allVersion0 } = buildRecipientInfos(options.recipients, cek, cipher, {
      oaep,
      ecdhKdf,
      recipientIdentifier,
      rng,
    });
    const gcm = cipher.mode === "gcm";
    const layout: EnvelopeLayout = {
      kind: gcm ? "authEnveloped" : "enveloped",
      // RFC 5652 §6.1: 0 when every RecipientInfo is v0 (no originatorInfo/unprotectedAttrs written); else 2.
      // RFC 5083 §2.1: AuthEnvelopedData is always 0.
      version: gcm || allVersion0 ? 0 : 2,
      recipientInfos: infos,
      contentType,
      contentAlgorithm: encodeContentAlgorithm(cipher, iv),
    };
    let aad: Uint8Array = new Uint8Array(0);
    if (gcm) {
      layout.macLength = 16;
      if (contentType !== OID.data) {
        // RFC 5083 §2.1: authAttrs MUST be present (with contentType) for non-data content.
        const attrs = [sequence(oid(OID.contentType), setOf([oid(contentType)]))];
        layout.authAttrs = tlv(0xa1, attrs);
        aad = setOf(attrs);
      }
    }
    return { cipher, cek, iv, layout, aad };
  } catch (error) {
    cek.fill(0);
    throw error;
  }
}

/** A node cipher for the plan, with the AAD set for GCM. */
export function planCipher(plan: EncryptionPlan) {
  const c = createContentCipher(plan.cipher, plan.cek, plan.iv);
  if (plan.cipher.mode === "gcm") (c as import("node:crypto").CipherGCM).setAAD(plan.aad);
  return c;
}

/** Ciphertext length for a plaintext length: CBC pads 1..blockSize bytes (RFC 5652 §6.3); GCM adds none. */
export function ciphertextLength(cipher: CipherInfo, plaintextLength: number): number {
  if (cipher.mode === "gcm") return plaintextLength;
  return (Math.floor(plaintextLength / cipher.blockSize) + 1) * cipher.blockSize;
}
