import { encryptWholeMessage } from "@sealbox/core";
import type { Account } from "../accounts/accounts.js";
import type { StoreContext } from "../context.js";
import { fromFlag } from "../context.js";
import type { EncryptForAccount } from "../delivery/deliver.js";
import type { SecureMail } from "./secure-mail.js";

/**
 * Store Encrypted (issue #5 item 10): the complete original message becomes the inner
 * entity, encrypted to the account's current certificate with its Encryption Method; the
 * envelope keeps From, To, Cc, Date, Message-ID and the Subject unless the domain hides it.
 * No certificate → skipped with a reason (deliver then stores the message as it came).
 */
export function storeEncryptedHook(ctx: StoreContext, secureMail: SecureMail): EncryptForAccount {
  return async (account: Account, raw: Uint8Array) => {
    const current = await secureMail.currentCertificate(account.id);
    if (!current) return { skipped: "the account has no Secure Mail certificate" };
    if (current.certificate.notAfter.getTime() < ctx.now())
      return { skipped: "the account's certificate has expired" };
    const domain = await ctx.db
      .selectFrom("domains")
      .select("hide_subject_when_encrypting")
      .where("id", "=", account.domainId)
      .executeTakeFirstOrThrow();
    const encrypted = await encryptWholeMessage(raw, {
      recipients: [current.certificate],
      cipher: account.encryptionMethod,
      hideSubject: fromFlag(domain.hide_subject_when_encrypting),
    });
    return { raw: encrypted, cipher: account.encryptionMethod };
  };
}
