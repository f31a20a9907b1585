/** The MIME layer: byte-exact parsing, canonicalisation, transfer encodings and S/MIME builders. */
export { type ParsedAddress, parseAddressList } from "./address-list.js";
export {
  Base64Decoder,
  Base64Encoder,
  base64Decode,
  base64DecodeChunks,
  base64Encode,
  base64EncodeChunks,
} from "./base64.js";
export {
  buildMultipartSigned,
  buildPkcs7Mime,
  type MultipartSignedInput,
  type MultipartSignedOutput,
  type Pkcs7MimeInput,
  type SmimeType,
} from "./build.js";
export { CrlfCanonicalizer, canonicalizeChunks, isCanonical, toCanonicalCrlf } from "./canonicalize.js";
export {
  type ContentType,
  formatHeaderParams,
  formatParam,
  type HeaderParams,
  isToken,
  parseContentDisposition,
  parseContentType,
  parseHeaderParams,
} from "./content-type.js";
export { decodeEncodedWords } from "./encoded-words.js";
export {
  contentEntityBytes,
  type HeaderInput,
  isContentField,
  normalizeHeaders,
  type SplitHeaders,
  serializeHeaders,
  splitMessageHeaders,
} from "./headers.js";
export { DEFAULT_MIME_LIMITS, type MimeLimits, resolveMimeLimits } from "./limits.js";
export { isSafe7bit, makeSignable, type SignableOptions } from "./make-signable.js";
export {
  type MimePart,
  type MultipartSplit,
  type SignedSplit,
  type SplitOptions,
  splitMultipart,
  splitSigned,
} from "./multipart.js";
export {
  entityContentType,
  entityTransferEncoding,
  getHeader,
  getHeaders,
  type HeaderField,
  type MimeEntity,
  parseEntity,
} from "./parse-entity.js";
export { type QpEncodeOptions, qpDecode, qpEncode } from "./quoted-printable.js";
