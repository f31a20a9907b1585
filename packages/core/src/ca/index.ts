export { chooseCertificateAddress } from "./choose-certificate-address.js";
export { BACKDATE_MS, type CaKeyAlgorithm, type CreateCaOptions, createCa } from "./create-ca.js";
export {
  CRL_REASONS,
  type CreateCrlOptions,
  type CrlReason,
  createCrl,
  type RevokedCertificate,
} from "./create-crl.js";
export { crlDistributionPointsExtension } from "./crl-distribution-points.js";
export {
  type IssuedCertificate,
  type IssueUserCertificateOptions,
  issueUserCertificate,
  type UserKeyAlgorithm,
} from "./issue-user-certificate.js";
export { loadCa } from "./load-ca.js";
