import {
  type Certificate,
  encryptWholeMessageStream,
  type MimeEntity,
  parseCertificate,
} from "@sealbox/core";
import type { Account } from "../accounts/accounts.js";
import type { StoreContext } from "../context.js";
import { fromFlag } from "../context.js";
import type { EncryptForAccount } from "../delivery/deliver.js";
import { currentKeyForEncryption } from "./key-repository.js";

/** Parsed certificates by SHA-256: a busy inbox should not re-parse the same certificate per message. */
const CACHE_LIMIT = 256;

/**
 * Store Encrypted: the complete original message becomes the inner
 * entity, encrypted to the account's current certificate with its Encryption Method; the
 * envelope keeps From, To, Cc, Date, Message-ID and the Subject unless the domain hides it.
 * No certificate → skipped with a reason (deliver then stores the message as it came).
 */
export function storeEncryptedHook(ctx: StoreContext): EncryptForAccount {
  const parsed = new Map<string, Certificate>();
  return async (account: Account, message: AsyncIterable<Uint8Array>, size: number, header?: MimeEntity) => {
    const row = await currentKeyForEncryption(ctx.db, account.id);
    if (!row) return { skipped: "the account has no Secure Mail certificate" };
    let certificate = parsed.get(row.sha256);
    if (!certificate) {
      certificate = parseCertificate(row.certificate);
      if (parsed.size >= CACHE_LIMIT) parsed.clear();
      parsed.set(row.sha256, certificate);
    }
    if (certificate.notAfter.getTime() < ctx.now())
      return { skipped: "the account's certificate has expired" };
    // Streamed: the envelope is written as the message is read (DER: the length is known).
    const stream = encryptWholeMessageStream(message, {
      recipients: [certificate],
      cipher: account.encryptionMethod,
      hideSubject: fromFlag(row.hideSubject),
      contentLength: size,
      ...(header ? { header } : {}),
    });
    return { stream, cipher: account.encryptionMethod };
  };
}
