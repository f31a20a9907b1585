import { type HeaderField, parseAddressList } from "@sealbox/core";
import { type Account, headerValues, type Store } from "@sealbox/store";
import { addressDomain, addressKey } from "./address-key.js";
import { SmtpReply } from "./smtp-reply.js";

/** The addresses an account may send as: its own and its From address setting. */
export function ownAddresses(account: Pick<Account, "address" | "fromAddress">): Set<string> {
  const keys = [account.address, account.fromAddress].map(addressKey);
  return new Set(keys.filter((k): k is string => k !== undefined));
}

/**
 * MAIL FROM (RFC 6409 §6.1, Postfix's reject_sender_login_mismatch). Without AUTH an address
 * at a local domain is refused, loopback clients included: otherwise anyone could put mail
 * "from" a local user into a local mailbox, and only AUTH proves who that is. The null
 * sender (bounces) and other domains are inbound mail as usual. With AUTH the address must
 * be one of the account's. Store failures are thrown (the caller answers 451).
 */
export async function envelopeSenderRefusal(
  store: Store,
  address: string,
  account: Pick<Account, "address" | "fromAddress"> | undefined,
): Promise<SmtpReply | undefined> {
  if (account) {
    const key = addressKey(address);
    if (key !== undefined && ownAddresses(account).has(key)) return undefined;
    return new SmtpReply(553, "5.7.1 Sender address is not yours");
  }
  if (address === "") return undefined;
  const domain = addressDomain(address);
  if (domain !== undefined && (await store.domains.get(domain)))
    return new SmtpReply(553, "5.7.1 Sender address rejected: a local address needs AUTH");
  return undefined;
}

/**
 * The header From of an authenticated submission: every mailbox in it is one of the sender's
 * addresses, so a user cannot send mail that shows another user (or anyone) as its author.
 * A missing From, or one that holds no address (`From: "ceo@corp.example"`), is refused too.
 */
export function headerFromRefusal(fields: readonly HeaderField[], mine: Set<string>): SmtpReply | undefined {
  const values = headerValues(fields, "From");
  const mailboxes = values.flatMap((v) => parseAddressList(v));
  if (mailboxes.length === 0)
    return new SmtpReply(550, "5.7.1 The message has no From: address; it must be one of yours");
  for (const mailbox of mailboxes) {
    const key = addressKey(mailbox.address);
    if (key === undefined || !mine.has(key))
      return new SmtpReply(550, "5.7.1 The From: header must name one of your addresses");
  }
  return undefined;
}
