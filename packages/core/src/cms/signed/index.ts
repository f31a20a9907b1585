export { findSignerCertificates } from "./check-signer.js";
export { signData } from "./sign-data.js";
export { DEFAULT_CAPABILITIES } from "./signed-attributes.js";
export type {
  ContentSource,
  SignerOptions,
  SignerStatus,
  SignerVerdict,
  SignOptions,
  VerifyLimits,
  VerifyOptions,
  VerifyResult,
} from "./types.js";
export {
  type CertificatePurpose,
  type CertificateVerdict,
  type VerifyCertificateInput,
  verifyCertificate,
} from "./verify-certificate.js";
export { verifySignedData } from "./verify-signed-data.js";
