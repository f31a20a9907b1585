import { openEnvelope } from "./open-envelope.js";
import type { DecryptOptions, DecryptStreamResult } from "./types.js";

/**
 * Streaming decryption: resolves once the header is parsed and the content-encryption key
 * is recovered (so `not-a-recipient` and `unsupported-algorithm` come before any content),
 * then `content` yields plaintext as the source is read. CBC plaintext is released as it is
 * decrypted and the pad is checked at the end (the iteration then throws the uniform
 * "decryption-failed": discard what was received); AES-GCM plaintext is released only after
 * the tag verified. The source's chunks must not be reused by the producer (GCM holds them).
 * Returning a promise of {info, content} rather than {info: Promise, content} means no
 * promise is ever left rejected without a handler.
 */
export function decryptEnvelopedStream(
  source: AsyncIterable<Uint8Array>,
  options: DecryptOptions,
): Promise<DecryptStreamResult> {
  return openEnvelope(source, options);
}
