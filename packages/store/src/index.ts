export { StoreError, type StoreErrorCode } from "./errors.js";
export { LATEST_SCHEMA_VERSION, type OpenStoreOptions, openStore, type Store } from "./open-store.js";
export { defaultStoreUrl, parseStoreUrl, type StoreLocation } from "./store-url.js";
