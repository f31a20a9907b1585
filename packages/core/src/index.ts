export * from "./algorithms.js";
export * from "./asn1/index.js";
export * from "./cms/signed/index.js";
export { CoreError, type CoreErrorCode, isCoreError } from "./errors.js";
export * from "./mime/index.js";
export * from "./pki/index.js";
export { SEALBOX_VERSION } from "./version.js";
