export { decryptEnveloped } from "./decrypt-enveloped.js";
export { decryptEnvelopedStream } from "./decrypt-enveloped-stream.js";
export { encryptEnveloped } from "./encrypt-enveloped.js";
export { encryptEnvelopedStream } from "./encrypt-enveloped-stream.js";
export { inspectEnveloped } from "./inspect-enveloped.js";
export {
  DEFAULT_ENVELOPE_LIMITS,
  type DecryptOptions,
  type DecryptResult,
  type DecryptStreamResult,
  type EncryptOptions,
  type EnvelopeInfo,
  type EnvelopeLimits,
  type RecipientIdInfo,
  type StreamEncryptOptions,
} from "./types.js";
