import { type Account, parseAddress, type Store, StoreError } from "@sealbox/store";
import { SmtpReply } from "./smtp-reply.js";

export type Recipient = { kind: "local"; account: Account } | { kind: "remote"; address: string };

/**
 * RCPT TO (RFC 5321 §4.1.1.3): an address at a local domain must be an enabled account
 * (else 550 5.1.1, refused before any data is sent, so no backscatter); any other address
 * is relayed only for an authenticated submitter (else 550 5.7.1 — never an open relay).
 * A store failure is thrown as is (the caller answers 451).
 */
export async function classifyRecipient(
  store: Store,
  address: string,
  authenticated: boolean,
): Promise<Recipient> {
  let parsed: ReturnType<typeof parseAddress>;
  try {
    parsed = parseAddress(address);
  } catch (error) {
    if (error instanceof StoreError) throw new SmtpReply(501, "5.1.3 Bad recipient address syntax");
    throw error;
  }
  // The account first: an account's domain is local, so the usual RCPT TO costs one lookup.
  const account = await store.accounts.get(parsed.address);
  if (account) {
    if (account.disabled) throw new SmtpReply(550, "5.1.1 No such user here");
    return { kind: "local", account };
  }
  if (await store.domains.get(parsed.domain)) throw new SmtpReply(550, "5.1.1 No such user here");
  if (!authenticated) throw new SmtpReply(550, "5.7.1 Relay access denied");
  return { kind: "remote", address: parsed.address };
}
