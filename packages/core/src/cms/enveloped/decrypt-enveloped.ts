import { CoreError } from "../../errors.js";
import { openEnvelope } from "./open-envelope.js";
import type { DecryptOptions, DecryptResult } from "./types.js";

/**
 * Decrypts a DER/BER ContentInfo holding EnvelopedData (RFC 5652 §6) or AuthEnvelopedData
 * (RFC 5083). Errors: "not-a-recipient" (no RecipientInfo names any identity), the uniform
 * "decryption-failed" (wrong key, bad PKCS#1 padding, bad CBC pad, bad GCM tag alike),
 * "unsupported-algorithm", "malformed", "limit-exceeded".
 */
export async function decryptEnveloped(der: Uint8Array, options: DecryptOptions): Promise<DecryptResult> {
  if (!(der instanceof Uint8Array)) throw new CoreError("invalid-argument", "decryptEnveloped needs bytes");
  const opened = await openEnvelope([der], options);
  // The plaintext is never longer than the input: fill one buffer (untouched pages stay virtual).
  const out = Buffer.allocUnsafeSlow(der.length);
  let length = 0;
  for await (const part of opened.content) {
    out.set(part, length);
    length += part.length;
  }
  return { content: out.subarray(0, length), contentType: opened.contentType, info: opened.info };
}
