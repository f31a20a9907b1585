import type { Certificate } from "@sealbox/core";
import { type Executor, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";
import { selectedBook } from "./address-books.js";
import { type Contact, checkContactName, contactQuery, insertContact, ownedContact } from "./contacts.js";

/** What store needs of a parsed certificate (core's parseCertificate gives all of it). */
export type CertificateLike = Pick<Certificate, "der" | "sha256" | "commonName" | "emails" | "notAfter">;

export interface ContactCertificate {
  id: string;
  contactId: string;
  der: Uint8Array;
  sha256: string;
  /** The certificate address this entry was filed under, lowercased. */
  email: string;
  notAfter: number;
  addedAt: number;
}

export interface TakeCertificateResult {
  contact: Contact;
  /** A new contact was made (none of the account's books had the address). */
  created: boolean;
  /** The certificate was new to that contact. */
  certificateAdded: boolean;
}

async function attach(
  q: Executor,
  contact: Contact,
  certificate: CertificateLike,
  now: number,
): Promise<boolean> {
  const existing = await q
    .selectFrom("contact_certificates")
    .select("id")
    .where("contact_id", "=", contact.id)
    .where("sha256", "=", certificate.sha256)
    .executeTakeFirst();
  if (existing) return false;
  const emails = certificate.emails.map((e) => e.toLowerCase());
  const email = emails.includes(contact.email.toLowerCase())
    ? contact.email.toLowerCase()
    : (emails[0] ?? "");
  await q
    .insertInto("contact_certificates")
    .values({
      id: newId(now),
      contact_id: contact.id,
      certificate: certificate.der,
      sha256: certificate.sha256,
      email,
      not_after: certificate.notAfter.getTime(),
      added_at: now,
    })
    .execute();
  return true;
}

export function contactCertificateRepository(ctx: StoreContext) {
  return {
    add: (accountId: string, contactId: string, certificate: CertificateLike) =>
      write(ctx, async (trx) => {
        const contact = await ownedContact(trx, accountId, contactId);
        await attach(trx, contact, certificate, ctx.now());
        return ownedContact(trx, accountId, contact.id);
      }),

    list: async (accountId: string, contactId: string): Promise<ContactCertificate[]> => {
      await ownedContact(ctx.db, accountId, contactId);
      const rows = await ctx.db
        .selectFrom("contact_certificates")
        .selectAll()
        .where("contact_id", "=", contactId)
        .orderBy("not_after", "desc")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        contactId: r.contact_id,
        der: r.certificate,
        sha256: r.sha256,
        email: r.email,
        notAfter: r.not_after,
        addedAt: r.added_at,
      }));
    },

    remove: (accountId: string, certificateId: string) =>
      write(ctx, async (trx) => {
        const row = await trx
          .selectFrom("contact_certificates")
          .innerJoin("contacts", "contacts.id", "contact_certificates.contact_id")
          .innerJoin("address_books", "address_books.id", "contacts.book_id")
          .select("contact_certificates.id")
          .where("address_books.account_id", "=", accountId)
          .where("contact_certificates.id", "=", certificateId)
          .executeTakeFirst();
        if (!row) throw new StoreError("not-found", `no contact certificate ${certificateId}`);
        await trx.deleteFrom("contact_certificates").where("id", "=", row.id).execute();
      }),

    /**
     * Files a signer's certificate (e.g. from a verified signed message) under the name and
     * address the certificate states — its subject CN and first email — never under what
     * the message headers claim, which anyone can write. Every contact of the account with
     * that address gets the name and the certificate; if there is none, a new contact is
     * made in the selected book.
     */
    take: (accountId: string, certificate: CertificateLike) =>
      write(ctx, async (trx): Promise<TakeCertificateResult> => {
        const email = certificate.emails[0];
        if (!email) throw new StoreError("invalid-argument", "the certificate names no email address");
        const now = ctx.now();
        const name = checkContactName(certificate.commonName ?? "");
        const matches = await contactQuery(trx, accountId)
          .where("contacts.email_lower", "=", email.toLowerCase())
          .orderBy("contacts.created_at")
          .execute();
        if (matches.length === 0) {
          const book = await selectedBook(trx, accountId, now);
          const contact = await insertContact(trx, book.id, { name: name || email, email }, now);
          await attach(trx, contact, certificate, now);
          return {
            contact: await ownedContact(trx, accountId, contact.id),
            created: true,
            certificateAdded: true,
          };
        }
        let added = false;
        for (const match of matches) {
          if (name) await trx.updateTable("contacts").set({ name }).where("id", "=", match.id).execute();
          added =
            (await attach(trx, await ownedContact(trx, accountId, match.id), certificate, now)) || added;
        }
        const first = matches[0] as { id: string };
        return {
          contact: await ownedContact(trx, accountId, first.id),
          created: false,
          certificateAdded: added,
        };
      }),

    /**
     * Certificates the account's address books hold for an address (filed under it, or on a
     * contact with it), newest expiry first, without duplicates. `send` tries these before the directory.
     */
    forAddress: async (accountId: string, address: string): Promise<ContactCertificate[]> => {
      const lower = address.trim().toLowerCase();
      const rows = await ctx.db
        .selectFrom("contact_certificates")
        .innerJoin("contacts", "contacts.id", "contact_certificates.contact_id")
        .innerJoin("address_books", "address_books.id", "contacts.book_id")
        .selectAll("contact_certificates")
        .where("address_books.account_id", "=", accountId)
        .where((eb) =>
          eb.or([eb("contact_certificates.email", "=", lower), eb("contacts.email_lower", "=", lower)]),
        )
        .orderBy("contact_certificates.not_after", "desc")
        .execute();
      const seen = new Set<string>();
      return rows
        .filter((r) => !seen.has(r.sha256) && seen.add(r.sha256))
        .map((r) => ({
          id: r.id,
          contactId: r.contact_id,
          der: r.certificate,
          sha256: r.sha256,
          email: r.email,
          notAfter: r.not_after,
          addedAt: r.added_at,
        }));
    },
  };
}

export type ContactCertificateRepository = ReturnType<typeof contactCertificateRepository>;
