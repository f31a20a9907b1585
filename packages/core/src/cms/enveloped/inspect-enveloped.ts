import { envelopeInfo } from "./envelope-info.js";
import { readEnvelope, resolveLimits } from "./open-envelope.js";
import type { EnvelopeInfo, EnvelopeLimits } from "./types.js";

/** What an envelope says about itself, without any key: cipher, recipients, their ids (RFC 5652 §6.1). */
export async function inspectEnveloped(
  input: Uint8Array | AsyncIterable<Uint8Array>,
  limits?: Partial<EnvelopeLimits>,
): Promise<EnvelopeInfo> {
  const { src, header } = await readEnvelope(
    input instanceof Uint8Array ? [input] : input,
    resolveLimits(limits),
  );
  await src.close();
  return envelopeInfo(header);
}
