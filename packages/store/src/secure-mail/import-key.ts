import { allowsEmailProtection, importPfx, sealPrivateKey } from "@sealbox/core";
import { accountById } from "../accounts/accounts.js";
import { type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { keyRows } from "./key-repository.js";
import type { SecureMailStatus } from "./key-status.js";
import type { PasswordProof } from "./password-proof.js";
import { replaceCurrentKey } from "./replace-key.js";
import type { ServerCa } from "./server-ca.js";

/** Imports a PFX; with a key already present the password must be the current Secure Mail Password (the old key becomes an earlier key). */
export function importKeyUseCase(
  ctx: StoreContext,
  deps: { ca: ServerCa; proof: PasswordProof; status(accountId: string): Promise<SecureMailStatus> },
) {
  const { ca, proof } = deps;
  return async function importKey(
    accountId: string,
    pfx: Uint8Array,
    filePassword: string,
    securePassword: string,
  ): Promise<SecureMailStatus> {
    await accountById(ctx.db, accountId);
    const imported = importPfx(pfx, filePassword, { now: new Date(ctx.now()) });
    // A key whose certificate names no address, or is restricted to other uses, cannot sign or receive mail.
    const certificate = imported.identity.certificate;
    if (certificate.emails.length === 0 || !allowsEmailProtection(certificate))
      throw new StoreError(
        "invalid-argument",
        certificate.emails.length === 0
          ? "the certificate is not for e-mail: it names no e-mail address"
          : "the certificate is not for e-mail: its extended key usage lacks e-mail protection",
      );
    if (await ca.isRevoked(imported.identity.certificate.sha256))
      throw new StoreError(
        "forbidden",
        "the server CA revoked this certificate when it was replaced or removed; generate or import a new key",
      );
    const rows = await keyRows(ctx.db, accountId);
    await proof.passwordForNewKey(accountId, rows, securePassword);
    // The PFX's own protection is never kept: the key is re-sealed under the Secure Mail Password.
    const sealed = sealPrivateKey(imported.identity.privateKey, securePassword);
    await write(ctx, (trx) => replaceCurrentKey(trx, ca, accountId, imported.identity, sealed, ctx.now()));
    return deps.status(accountId);
  };
}
