import type { Certificate } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, opensslCertificate } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import type { Store } from "../open-store.js";

// Made once per file by OpenSSL, parsed by core's parseCertificate.
let carolCert: Certificate;
let carolRenewed: Certificate;
let noEmail: Certificate;
beforeAll(() => {
  carolCert = opensslCertificate("Carol Real", ["Carol@Example.org"]);
  carolRenewed = opensslCertificate("Carol Renewed", ["carol@example.org"], 700);
  noEmail = opensslCertificate("Nobody", []);
});

describe.each(backends)("address books and contacts on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let bob: Account;
  beforeAll(async () => {
    fresh = await freshStore(backend);
    store = fresh.store;
    alice = (await store.accounts.add("alice@books.example", { password: "pw", createDomain: true })).account;
    bob = (await store.accounts.add("bob@books.example", { password: "pw" })).account;
  });
  afterAll(() => fresh.cleanup());

  it("has several books per account with exactly one selected", async () => {
    const work = await store.addressBooks.create(alice.id, "Work");
    expect(work.selected).toBe(false);
    const family = await store.addressBooks.create(alice.id, "Family", { select: true });
    expect((await store.addressBooks.selected(alice.id)).id).toBe(family.id);
    await store.addressBooks.select(alice.id, work.id);
    const books = await store.addressBooks.list(alice.id);
    expect(books.map((b) => [b.name, b.selected])).toEqual([
      ["Contacts", false],
      ["Work", true],
      ["Family", false],
    ]);
    await expect(store.addressBooks.create(alice.id, "Work")).rejects.toMatchObject({ code: "conflict" });
    await expect(store.addressBooks.select(bob.id, work.id)).rejects.toMatchObject({ code: "not-found" });
    // Removing the selected book selects the oldest remaining one.
    await store.addressBooks.remove(alice.id, work.id);
    expect((await store.addressBooks.selected(alice.id)).name).toBe("Contacts");
    await store.addressBooks.rename(alice.id, family.id, "Relatives");
    expect((await store.addressBooks.list(alice.id)).map((b) => b.name)).toEqual(["Contacts", "Relatives"]);
  });

  it("keeps the last book", async () => {
    const { account } = await store.accounts.add("lonely@books.example", { password: "pw" });
    const [only] = await store.addressBooks.list(account.id);
    await expect(store.addressBooks.remove(account.id, only!.id)).rejects.toMatchObject({
      code: "forbidden",
    });
  });

  it("adds, updates, moves, lists and removes contacts", async () => {
    const book = await store.addressBooks.selected(alice.id);
    const dan = await store.contacts.add(alice.id, book.id, { name: "Dan", email: "dan@x.org" });
    expect(dan).toMatchObject({ name: "Dan", email: "dan@x.org", hasCertificate: false });
    await store.contacts.add(alice.id, book.id, { name: "Ann", email: "ann@x.org" });
    expect((await store.contacts.list(alice.id, book.id)).map((c) => c.name)).toEqual(["Ann", "Dan"]);
    expect(
      (await store.contacts.update(alice.id, dan.id, { name: "Daniel", email: "Daniel@X.org" })).email,
    ).toBe("Daniel@x.org");
    expect((await store.contacts.findByEmail(alice.id, "DANIEL@x.org")).map((c) => c.id)).toEqual([dan.id]);
    const other = await store.addressBooks.create(alice.id, "Other");
    await store.contacts.move(alice.id, dan.id, other.id);
    expect((await store.contacts.list(alice.id, other.id)).map((c) => c.id)).toEqual([dan.id]);
    await expect(store.contacts.get(bob.id, dan.id)).rejects.toMatchObject({ code: "not-found" });
    await expect(store.contacts.add(alice.id, book.id, { email: "not an address" })).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await store.contacts.remove(alice.id, dan.id);
    await expect(store.contacts.get(alice.id, dan.id)).rejects.toMatchObject({ code: "not-found" });
  });

  it("takeCertificate files a signer under the certificate's CN and address, not the headers'", async () => {
    const { account } = await store.accounts.add("taker@books.example", { password: "pw" });
    const first = await store.contactCertificates.take(account.id, carolCert);
    expect(first.created).toBe(true);
    expect(first.certificateAdded).toBe(true);
    expect(first.contact).toMatchObject({
      name: "Carol Real",
      email: "Carol@example.org",
      hasCertificate: true,
    });
    const selected = await store.addressBooks.selected(account.id);
    expect(first.contact.bookId).toBe(selected.id);
    // Same certificate again: nothing new.
    const again = await store.contactCertificates.take(account.id, carolCert);
    expect(again).toMatchObject({ created: false, certificateAdded: false, status: "already-taken" });
    const [stored] = await store.contactCertificates.list(account.id, first.contact.id);
    expect(Buffer.from(stored!.der).equals(Buffer.from(carolCert.der))).toBe(true);
    expect(stored!.notAfter).toBe(carolCert.notAfter.getTime());
    // A different certificate for the same address changes nothing until the user confirms…
    const asked = await store.contactCertificates.take(account.id, carolRenewed);
    expect(asked).toMatchObject({
      created: false,
      certificateAdded: false,
      status: "needs-confirmation",
      replaced: [carolCert.sha256],
    });
    expect((await store.contactCertificates.list(account.id, first.contact.id)).map((c) => c.sha256)).toEqual(
      [carolCert.sha256],
    );
    // …then it replaces the stored one, and the name follows the new CN.
    const renewed = await store.contactCertificates.take(account.id, carolRenewed, { confirm: true });
    expect(renewed).toMatchObject({ created: false, certificateAdded: true, status: "taken" });
    expect(renewed.contact).toMatchObject({ id: first.contact.id, name: "Carol Renewed" });
    const certs = await store.contactCertificates.list(account.id, first.contact.id);
    expect(certs.map((c) => c.sha256)).toEqual([carolRenewed.sha256]);
    await expect(store.contactCertificates.take(account.id, noEmail)).rejects.toThrow(/names no email/);
  });

  it("takeCertificate files into the selected address book, updating its contact with that address", async () => {
    const { account } = await store.accounts.add("existing@books.example", { password: "pw" });
    const selected = await store.addressBooks.selected(account.id);
    const side = await store.addressBooks.create(account.id, "Side");
    const inSide = await store.contacts.add(account.id, side.id, {
      name: "Side entry",
      email: "carol@example.org",
    });
    const contact = await store.contacts.add(account.id, selected.id, {
      name: "What the header said",
      email: "carol@example.org",
    });
    const result = await store.contactCertificates.take(account.id, carolCert);
    expect(result).toMatchObject({ created: false, certificateAdded: true, status: "taken" });
    expect(await store.contacts.get(account.id, contact.id)).toMatchObject({
      name: "Carol Real",
      hasCertificate: true,
    });
    // The other book is not the current one: untouched.
    expect(await store.contacts.get(account.id, inSide.id)).toMatchObject({
      name: "Side entry",
      hasCertificate: false,
    });
    // Selecting the other book makes Take file there.
    await store.addressBooks.select(account.id, side.id);
    expect(await store.contactCertificates.take(account.id, carolCert)).toMatchObject({ status: "taken" });
    expect(await store.contacts.get(account.id, inSide.id)).toMatchObject({ hasCertificate: true });
  });

  it("finds certificates for an address across books, newest expiry first, and removes them", async () => {
    const { account } = await store.accounts.add("finder@books.example", { password: "pw" });
    const book = await store.addressBooks.selected(account.id);
    const contact = await store.contacts.add(account.id, book.id, { name: "C", email: "carol@example.org" });
    await store.contactCertificates.add(account.id, contact.id, carolCert);
    await store.contactCertificates.add(account.id, contact.id, carolRenewed);
    const found = await store.contactCertificates.forAddress(account.id, "CAROL@example.org");
    expect(found.map((c) => c.sha256)).toEqual([carolRenewed.sha256, carolCert.sha256]);
    expect(await store.contactCertificates.forAddress(bob.id, "carol@example.org")).toEqual([]);
    await expect(store.contactCertificates.remove(bob.id, found[0]!.id)).rejects.toMatchObject({
      code: "not-found",
    });
    await store.contactCertificates.remove(account.id, found[0]!.id);
    expect((await store.contactCertificates.forAddress(account.id, "carol@example.org")).length).toBe(1);
  });
});
