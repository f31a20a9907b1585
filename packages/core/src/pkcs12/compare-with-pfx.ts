import { createPublicKey } from "node:crypto";
import type { Certificate } from "../pki/certificate.js";
import { type ReadPfxOptions, readPfxContents } from "./read-pfx-contents.js";

/**
 * Whether a PFX holds the private key of `certificate`, by public key (SubjectPublicKeyInfo).
 * Needs only the file's password, not the Secure Mail Password: a user who forgot the latter
 * can still prove they own the key and remove it. Throws the importPfx
 * error codes for a bad file or password.
 */
export interface CompareWithPfxResult {
  matches: boolean;
}

export function compareWithPfx(
  pfx: Uint8Array,
  filePassword: string,
  certificate: Certificate,
  options: ReadPfxOptions = {},
): CompareWithPfxResult {
  const { keys } = readPfxContents(pfx, filePassword, options);
  const wanted = certificate.publicKey.export({ type: "spki", format: "der" });
  const matches = keys.some(
    (k) => Buffer.compare(createPublicKey(k.key).export({ type: "spki", format: "der" }), wanted) === 0,
  );
  return { matches };
}
