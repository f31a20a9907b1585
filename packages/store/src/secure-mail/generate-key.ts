import { chooseCertificateAddress, sealPrivateKey } from "@sealbox/core";
import { accountById, accountIdByAddress } from "../accounts/accounts.js";
import { type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { keyRows } from "./key-repository.js";
import type { SecureMailStatus } from "./key-status.js";
import type { PasswordProof } from "./password-proof.js";
import { replaceCurrentKey } from "./replace-key.js";
import type { ServerCa } from "./server-ca.js";

export type GeneratedKeyAlgorithm = "RSA-2048" | "RSA-3072" | "RSA-4096" | "EC-P256";

/** Generates a key and a certificate from the server CA, for the From address when it is the account's, else the account address. */
export function generateKeyUseCase(
  ctx: StoreContext,
  deps: { ca: ServerCa; proof: PasswordProof; status(accountId: string): Promise<SecureMailStatus> },
) {
  const { ca, proof } = deps;
  return async function generate(
    accountId: string,
    securePassword: string,
    options: { keyAlgorithm?: GeneratedKeyAlgorithm } = {},
  ): Promise<SecureMailStatus> {
    const account = await accountById(ctx.db, accountId);
    const rows = await keyRows(ctx.db, accountId);
    await proof.passwordForNewKey(accountId, rows, securePassword);
    const owned = [account.address];
    if (account.fromSetting) {
      const fromDomain = account.fromAddress.split("@").pop()?.toLowerCase();
      const other = await accountIdByAddress(ctx.db, account.fromAddress.toLowerCase());
      if (fromDomain === account.domain.toLowerCase() && (!other || other === account.id))
        owned.push(account.fromAddress);
    }
    const email = chooseCertificateAddress({
      fromAddress: account.fromAddress,
      accountAddress: account.address,
      accountAddresses: owned,
    });
    const { issued, chain, caId } = await ca.issue({
      email,
      ...(account.realName ? { name: account.realName } : {}),
      keyAlgorithm: options.keyAlgorithm ?? "RSA-2048",
    });
    if (!issued.privateKey) throw new StoreError("conflict", "the CA did not return a key");
    const sealed = sealPrivateKey(issued.privateKey, securePassword);
    await write(ctx, async (trx) => {
      await replaceCurrentKey(
        trx,
        ca,
        accountId,
        { certificate: issued.certificate, chain },
        sealed,
        ctx.now(),
      );
      await ca.recordIssued(trx, caId, issued.certificate, accountId);
    });
    return deps.status(accountId);
  };
}

export type GenerateKey = ReturnType<typeof generateKeyUseCase>;
