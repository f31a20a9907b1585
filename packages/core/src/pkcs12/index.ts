export { type CompareWithPfxResult, compareWithPfx } from "./compare-with-pfx.js";
export { type DecryptPrivateKeyInfoOptions, decryptPrivateKeyInfo } from "./decrypt-private-key-info.js";
export {
  type EncryptedPrivateKeyInfo,
  encodeEncryptedPrivateKeyInfo,
  loadPrivateKeyInfo,
  readEncryptedPrivateKeyInfo,
} from "./encrypted-private-key-info.js";
export {
  DEFAULT_LEGACY_PFX_ITERATIONS,
  DEFAULT_PFX_FILENAME,
  DEFAULT_PFX_ITERATIONS,
  type ExportPfxOptions,
  exportPfx,
} from "./export-pfx.js";
export { type ImportedPfx, type ImportPfxOptions, importPfx, orderChain } from "./import-pfx.js";
export { DEFAULT_MAX_KDF_ITERATIONS, KdfBudget } from "./kdf-budget.js";
export { newPbes2, pbeDecrypt, pbeEncrypt } from "./pbe-cipher.js";
export { describePbe, type PbeScheme, parsePbeAlgorithm, pbeCost } from "./pbe-scheme.js";
