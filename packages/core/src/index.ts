export { CoreError, type CoreErrorCode, isCoreError } from "./errors.js";
export { SEALBOX_VERSION } from "./version.js";
