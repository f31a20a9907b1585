import type { KeyObject } from "node:crypto";
import { berContext, readRoot } from "../asn1/ber-reader.js";
import { CoreError, isCoreError } from "../errors.js";
import { derOrPem } from "../pki/pem.js";
import { loadPrivateKeyInfo, readEncryptedPrivateKeyInfo } from "./encrypted-private-key-info.js";
import { DEFAULT_MAX_KDF_ITERATIONS, KdfBudget } from "./kdf-budget.js";
import { passwordForms, wipeForms } from "./password-forms.js";
import { passwordInputs, pbeDecrypt } from "./pbe-cipher.js";
import { describePbe, pbeCost } from "./pbe-scheme.js";

export interface DecryptPrivateKeyInfoOptions {
  maxKdfIterations?: number;
}

/**
 * Opens a PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3; DER or PEM "ENCRYPTED PRIVATE KEY")
 * under any scheme parsePbeAlgorithm knows: PBES2 (PBKDF2 with any HMAC-SHA PRF, or scrypt;
 * AES-CBC, 3DES, RC2), PBES1 RC2 and PKCS#12 PBE. A wrong password — bad padding, or bytes
 * that are not a private key — is one error: CoreError("wrong-password").
 */
export function decryptPrivateKeyInfo(
  input: Uint8Array | string,
  password: string,
  options: DecryptPrivateKeyInfoOptions = {},
): KeyObject {
  const der = derOrPem(input, "ENCRYPTED PRIVATE KEY");
  const ctx = berContext({ maxNodes: 1000 });
  const { scheme, encryptedData } = readEncryptedPrivateKeyInfo(der, readRoot(der, ctx), ctx);
  if (scheme.kind === "unsupported")
    throw new CoreError("unsupported-algorithm", `unsupported key encryption: ${scheme.name}`);
  const budget = new KdfBudget(options.maxKdfIterations ?? DEFAULT_MAX_KDF_ITERATIONS);
  const cost = pbeCost(scheme);
  const forms = passwordForms(password);
  try {
    let first = true;
    for (const form of forms) {
      for (const bytes of passwordInputs(scheme, form)) {
        if (!first && !budget.canAfford(cost)) break;
        budget.charge(cost, describePbe(scheme));
        first = false;
        let plain: Buffer;
        try {
          plain = pbeDecrypt(scheme, bytes, encryptedData);
        } catch (error) {
          if (isCoreError(error, "decryption-failed")) continue;
          throw error;
        }
        const loaded = loadPrivateKeyInfo(plain);
        plain.fill(0);
        if (loaded.ok) return loaded.key;
        if (loaded.reason === "unsupported")
          throw new CoreError("unsupported-algorithm", `unsupported ${loaded.name}`);
      }
    }
  } finally {
    wipeForms(forms);
  }
  throw new CoreError("wrong-password", "the password is wrong (the private key does not decrypt with it)");
}
