import { CoreError } from "../errors.js";
import { type ImportPfxOptions, importPfx } from "../pkcs12/import-pfx.js";
import { KEY_USAGE } from "../pki/certificate.js";
import type { Identity } from "../pki/identity.js";
import { signerFor } from "./certificate-builder.js";

/**
 * Loads the server CA from a PFX (any variant importPfx reads). The certificate must be a CA
 * (basicConstraints cA=TRUE, and keyCertSign when keyUsage is present, RFC 5280 §4.2.1.3,
 * §4.2.1.9) and its key must be one we can sign with; otherwise CoreError("invalid-argument").
 */
export function loadCa(pfx: Uint8Array, password: string, options: ImportPfxOptions = {}): Identity {
  const { identity } = importPfx(pfx, password, options);
  const cert = identity.certificate;
  if (!cert.basicConstraints?.ca)
    throw new CoreError(
      "invalid-argument",
      `${cert.subject} is not a CA certificate (basicConstraints cA is not TRUE)`,
    );
  if (cert.keyUsage && !cert.keyUsage.has(KEY_USAGE.keyCertSign))
    throw new CoreError(
      "invalid-argument",
      `${cert.subject} may not sign certificates (keyUsage lacks keyCertSign)`,
    );
  signerFor(identity.privateKey);
  return identity;
}
