import type { KeyObject } from "node:crypto";
import type { Certificate } from "./certificate.js";

/**
 * A private key with its certificate and the chain up to (not necessarily including) the
 * root: what a PFX holds, what signing uses, and what decryption tries. Keys are node
 * KeyObjects (never exported as plaintext outside the keyvault or an explicit PFX export).
 */
export interface Identity {
  privateKey: KeyObject;
  certificate: Certificate;
  chain: Certificate[];
}
