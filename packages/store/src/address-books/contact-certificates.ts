import type { Certificate } from "@sealbox/core";
import type { Kysely } from "kysely";
import { type Executor, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import { readCertificateFile } from "../reading/certificate-file.js";
import type { Database } from "../schema.js";
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
  /** A new contact was made (the selected book had no contact with the address). */
  created: boolean;
  /** The certificate was new to that contact. */
  certificateAdded: boolean;
  /** taken: filed; already-taken: that contact holds it already; needs-confirmation: it holds another (nothing changed). */
  status: "taken" | "already-taken" | "needs-confirmation";
  /** SHA-256 of the certificates the contact held before (replaced when taken with confirm). */
  replaced: string[];
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

/** What the selected address book holds for some addresses, newest expiry first. */
function heldQuery(db: Kysely<Database>, accountId: string, addresses: readonly string[]) {
  return db
    .selectFrom("address_books")
    .innerJoin("contacts", "contacts.book_id", "address_books.id")
    .innerJoin("contact_certificates", "contact_certificates.contact_id", "contacts.id")
    .select(["contacts.email_lower", "contact_certificates.sha256", "contact_certificates.not_after"])
    .where("address_books.account_id", "=", accountId)
    .where("address_books.selected", "=", 1)
    .where("contacts.email_lower", "in", addresses)
    .orderBy("contact_certificates.not_after", "desc");
}

/** One signer's address (nearly every signed message): asked each time such a message is read. */
const heldForOne = hotQuery((db, accountId: string, address: string) => heldQuery(db, accountId, [address]));

export function contactCertificateRepository(ctx: StoreContext) {
  return {
    add: (accountId: string, contactId: string, certificate: CertificateLike) =>
      write(ctx, async (trx) => {
        const contact = await ownedContact(trx, accountId, contactId);
        await attach(trx, contact, certificate, ctx.now());
        return ownedContact(trx, accountId, contact.id);
      }),

    /**
     * Imports a certificate file (PEM or DER) into a contact. A file exported with its chain
     * also holds the issuers: only end-entity certificates are filed.
     */
    importFile: async (accountId: string, contactId: string, file: Uint8Array) => {
      const certs = readCertificateFile(file).filter((c) => !c.basicConstraints?.ca);
      if (certs.length === 0)
        throw new StoreError(
          "invalid-argument",
          "the file holds only CA certificates, no certificate of a person",
        );
      await write(ctx, async (trx) => {
        const contact = await ownedContact(trx, accountId, contactId);
        for (const cert of certs) await attach(trx, contact, cert, ctx.now());
      });
      return { added: certs.length, addresses: [...new Set(certs.flatMap((c) => c.emails))] };
    },

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
     * Take Certificate: files a signer's certificate (e.g. from a verified signed message) in
     * the account's selected address book, under the name and address the certificate states
     * — its subject CN and first email — never under what the message headers claim, which
     * anyone can write. A contact of that book with the address gets the name and the
     * certificate; if there is none, a new contact is made. When that contact already holds a
     * different certificate nothing changes unless `confirm` is set: then the new certificate
     * replaces the old ones (a changed certificate may mean an impostor, so the user decides).
     */
    take: (accountId: string, certificate: CertificateLike, options: { confirm?: boolean } = {}) =>
      write(ctx, async (trx): Promise<TakeCertificateResult> => {
        const email = certificate.emails[0];
        if (!email) throw new StoreError("invalid-argument", "the certificate names no email address");
        const now = ctx.now();
        const name = checkContactName(certificate.commonName ?? "");
        const book = await selectedBook(trx, accountId, now);
        const match = await contactQuery(trx, accountId)
          .where("contacts.book_id", "=", book.id)
          .where("contacts.email_lower", "=", email.toLowerCase())
          .orderBy("contacts.created_at")
          .executeTakeFirst();
        if (!match) {
          const contact = await insertContact(trx, book.id, { name: name || email, email }, now);
          await attach(trx, contact, certificate, now);
          return {
            contact: await ownedContact(trx, accountId, contact.id),
            created: true,
            certificateAdded: true,
            status: "taken",
            replaced: [],
          };
        }
        const held = await trx
          .selectFrom("contact_certificates")
          .select(["id", "sha256"])
          .where("contact_id", "=", match.id)
          .execute();
        if (held.some((h) => h.sha256 === certificate.sha256))
          return {
            contact: await ownedContact(trx, accountId, match.id),
            created: false,
            certificateAdded: false,
            status: "already-taken",
            replaced: [],
          };
        const others = held.map((h) => h.sha256);
        if (others.length > 0 && !options.confirm)
          return {
            contact: await ownedContact(trx, accountId, match.id),
            created: false,
            certificateAdded: false,
            status: "needs-confirmation",
            replaced: others,
          };
        if (others.length > 0)
          await trx.deleteFrom("contact_certificates").where("contact_id", "=", match.id).execute();
        if (name) await trx.updateTable("contacts").set({ name }).where("id", "=", match.id).execute();
        await attach(trx, await ownedContact(trx, accountId, match.id), certificate, now);
        return {
          contact: await ownedContact(trx, accountId, match.id),
          created: false,
          certificateAdded: true,
          status: "taken",
          replaced: others,
        };
      }),

    /**
     * What Take Certificate would compare with: per address (lowercased), the certificates
     * the selected book's contact with that address holds, newest expiry first. Reads only
     * (an account without a selected book holds nothing).
     */
    heldInSelectedBook: async (
      accountId: string,
      addresses: readonly string[],
    ): Promise<Map<string, Array<{ sha256: string; notAfter: number }>>> => {
      const held = new Map<string, Array<{ sha256: string; notAfter: number }>>();
      const lower = [...new Set(addresses.map((a) => a.trim().toLowerCase()))];
      if (lower.length === 0) return held;
      const rows =
        lower.length === 1
          ? await heldForOne(ctx.db, accountId, lower[0] as string)
          : await heldQuery(ctx.db, accountId, lower).execute();
      for (const r of rows) {
        const list = held.get(r.email_lower) ?? [];
        if (!list.some((c) => c.sha256 === r.sha256)) list.push({ sha256: r.sha256, notAfter: r.not_after });
        held.set(r.email_lower, list);
      }
      return held;
    },

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
