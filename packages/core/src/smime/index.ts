export {
  CLASSIFY_BODY_BYTES,
  type ClassifyOptions,
  classifyMessage,
  type MessageClass,
  type MessageSecurity,
} from "./classify-message.js";
export { assemblePlaintext, type DecryptLayerResult, decryptOuterLayer } from "./decrypt-layer.js";
export {
  type DecryptLayerStreamOptions,
  type DecryptLayerStreamResult,
  decryptOuterLayerStream,
} from "./decrypt-layer-stream.js";
export {
  ENVELOPE_VISIBLE_FIELDS,
  type EncryptWholeMessageOptions,
  type EncryptWholeMessageStreamOptions,
  encryptWholeMessage,
  encryptWholeMessageStream,
} from "./encrypt-whole-message.js";
export { envelopeFields, OBSCURED_SUBJECT } from "./envelope-fields.js";
export { DEFAULT_SMIME_LIMITS, type SmimeLimits } from "./limits.js";
export { type OpenOptions, type OpenResult, openMessage } from "./open.js";
export { type OpenStreamOptions, type OpenStreamResult, openMessageStream } from "./open-stream.js";
export { type ProtectOptions, protectMessage } from "./protect.js";
export { type ProtectStreamOptions, protectMessageStream } from "./protect-stream.js";
export type { ContentSink } from "./stream-sink.js";
export type * from "./types.js";
