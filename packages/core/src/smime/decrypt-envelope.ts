import { decryptEnveloped } from "../cms/enveloped/index.js";
import type { DecryptResult } from "../cms/enveloped/types.js";
import { CoreError, isCoreError } from "../errors.js";
import type { Identity } from "../pki/identity.js";
import { plausiblePlaintext } from "./body.js";
import { envelopeLimits, type SmimeLimits } from "./limits.js";

/**
 * The one error a caller gets once a RecipientInfo named the offered key and the message still
 * would not open (SMIME-NOTES §3.1, §4.3): a wrong private key, bad PKCS#1 v1.5 padding (implicit
 * rejection), a failed AES key unwrap, a bad CBC pad, a bad GCM tag, a ciphertext of impossible
 * length, CBC noise whose pad happened to verify. Made here, after the fact, so that its stack
 * names no primitive either: which check failed inside is exactly what a padding oracle needs.
 */
export function decryptionFailed(): CoreError {
  return new CoreError("decryption-failed", "the message could not be decrypted");
}

/**
 * decryptEnveloped for the message level: CBC has no integrity, so a wrong (or implicitly
 * rejected) key passes the pad check about once in 256 and yields noise; noise is the same
 * failure, thrown from the same place. `not-a-recipient`, `malformed` (of the public structure),
 * `unsupported-algorithm` and `limit-exceeded` pass through: they depend on public bytes only.
 */
export async function decryptEnvelope(
  der: Uint8Array,
  identities: Identity[],
  limits: SmimeLimits,
): Promise<DecryptResult> {
  try {
    const result = await decryptEnveloped(der, { identities, limits: envelopeLimits(limits) });
    if (result.info.kind !== "enveloped" || plausiblePlaintext(result.content)) return result;
    // Thrown and caught like a bad pad, so noise behind a good pad costs the same exceptions
    // as a bad pad does (bench/oracle.ts measures the two apart).
    throw new CoreError("decryption-failed", "noise");
  } catch (error) {
    if (!isCoreError(error, "decryption-failed")) throw error;
  }
  throw decryptionFailed();
}
