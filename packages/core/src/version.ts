/** The product version, shown by `sealbox --version` and the web footer. */
export const SEALBOX_VERSION = "0.1.0";
