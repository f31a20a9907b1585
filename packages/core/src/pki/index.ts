export * from "./certificate.js";
export * from "./chain.js";
export * from "./crl.js";
export * from "./identity.js";
export * from "./name.js";
export * from "./path-budget.js";
export * from "./pem.js";
export {
  type ParsedSignatureAlgorithm,
  parseSignatureAlgorithm,
  type SignatureScheme,
} from "./signature-algorithm.js";
export { verifySignature } from "./verify-signature.js";
