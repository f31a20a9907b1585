import type { StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import type { GeneratedKeyAlgorithm, GenerateKey } from "./generate-key.js";
import { keyRows, rowCertificate } from "./key-repository.js";
import type { SecureMailStatus } from "./key-status.js";

/**
 * Renew Key and Certificate: a new key from the server CA, of the current key's kind,
 * sealed under the same Secure Mail Password (generate proves it). The old key stays as
 * an earlier key, so mail encrypted to it still opens; its server-issued certificate is
 * revoked as superseded. A session must unlock again to hold the new key.
 */
export function renewKeyUseCase(ctx: StoreContext, deps: { generate: GenerateKey }) {
  return async function renew(accountId: string, securePassword: string): Promise<SecureMailStatus> {
    const current = (await keyRows(ctx.db, accountId)).find((r) => r.state === "current");
    if (!current) throw new StoreError("no-key", "there is no current key to renew; generate or import one");
    const cert = rowCertificate(current);
    const size = cert.keySize ?? 0;
    const keyAlgorithm: GeneratedKeyAlgorithm =
      cert.keyAlgorithm === "EC"
        ? "EC-P256"
        : size >= 4096
          ? "RSA-4096"
          : size >= 3072
            ? "RSA-3072"
            : "RSA-2048";
    return deps.generate(accountId, securePassword, { keyAlgorithm });
  };
}
