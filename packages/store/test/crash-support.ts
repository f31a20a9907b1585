import type { Identity } from "@sealbox/core";
import type { SecureMail } from "../src/secure-mail/secure-mail.js";

/**
 * Test-only seam for the crash child: a SecureMail whose password checks run for real
 * once (through the store's rate limit) and then reuse that verified key list for the
 * same account and password. messageCryptoUseCases takes its SecureMail as a parameter,
 * so the product code is untouched — only this child skips the repeated ~150 ms PBKDF2.
 * Any other password or account still goes to the real checks.
 */
export async function verifiedOnce(
  secureMail: SecureMail,
  accountId: string,
  password: string,
): Promise<SecureMail> {
  const identities: Identity[] = await secureMail.identities(accountId, password);
  const same = (id: string, pw: unknown) => id === accountId && pw === password;
  return {
    ...secureMail,
    identities: async (id, pw) => (same(id, pw) ? identities : secureMail.identities(id, pw)),
    verifyPassword: async (id, pw) => (same(id, pw) ? undefined : secureMail.verifyPassword(id, pw)),
  };
}

/** The message the crash child delivers through a Store Encrypted rule (rebuilt by the parent from its Message-ID). */
export function sealedDelivery(messageId: string): Buffer {
  return Buffer.from(
    `Message-ID: ${messageId}\r\nSubject: sealed delivery\r\nFrom: a@elsewhere.example\r\n\r\n${"secret ".repeat(600)}${messageId}\r\n`,
  );
}
