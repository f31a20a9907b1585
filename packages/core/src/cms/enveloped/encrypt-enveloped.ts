import type { CipherGCM } from "node:crypto";
import { CoreError } from "../../errors.js";
import { definitePrefix, definiteSuffix } from "./envelope-writer.js";
import { ciphertextLength, planCipher, prepareEncryption } from "./prepare-encryption.js";
import type { EncryptOptions } from "./types.js";

/** node's cipher gets at most this much per call, so temporaries stay small. */
const SLICE = 256 * 1024;

/**
 * Encrypts `content` to every certificate in options.recipients: a DER ContentInfo holding
 * EnvelopedData (RFC 5652 §6) or, for AES-GCM, AuthEnvelopedData (RFC 5083, RFC 5084).
 * The output buffer is allocated once at its final size and filled in a single pass.
 */
export async function encryptEnveloped(content: Uint8Array, options: EncryptOptions): Promise<Uint8Array> {
  if (!(content instanceof Uint8Array))
    throw new CoreError("invalid-argument", "encryptEnveloped needs bytes");
  const plan = prepareEncryption(options);
  try {
    const ctLength = ciphertextLength(plan.cipher, content.length);
    const prefix = definitePrefix(plan.layout, ctLength);
    const suffixLength = definiteSuffix(plan.layout, new Uint8Array(plan.layout.macLength ?? 0)).length;
    const out = Buffer.allocUnsafeSlow(prefix.length + ctLength + suffixLength);
    out.set(prefix, 0);
    let offset = prefix.length;
    const cipher = planCipher(plan);
    for (let i = 0; i < content.length; i += SLICE) {
      const part = cipher.update(content.subarray(i, i + SLICE));
      out.set(part, offset);
      offset += part.length;
    }
    const last = cipher.final();
    out.set(last, offset);
    offset += last.length;
    const mac = plan.cipher.mode === "gcm" ? (cipher as CipherGCM).getAuthTag() : undefined;
    const suffix = definiteSuffix(plan.layout, mac);
    out.set(suffix, offset);
    offset += suffix.length;
    if (offset !== out.length)
      throw new CoreError("invalid-argument", "internal length mismatch while encrypting");
    return out;
  } finally {
    plan.cek.fill(0);
  }
}
