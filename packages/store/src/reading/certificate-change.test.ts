import { type Identity, protectMessage } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import type { Store } from "../open-store.js";
import type { SignerView } from "./read-message.js";

const SECRET = Buffer.from("certificate change test server secret");
const PW = "certificate change password";
const DOMAIN = "change.example";

describe.each(backends)("a signer's certificate changed since it was taken, on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let bob: Account;
  let inbox: string;
  let first: Identity;
  let second: Identity;
  let signedFirst: string;
  let signedSecond: string;

  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: SECRET });
    store = fresh.store;
    alice = (await store.accounts.add(`alice@${DOMAIN}`, { password: "pw", createDomain: true })).account;
    bob = (await store.accounts.add(`bob@${DOMAIN}`, { password: "pw", realName: "Bob Signer" })).account;
    inbox = (await store.mailboxes.require(alice.id, "INBOX")).id;
    await store.secureMail.generate(bob.id, PW, { keyAlgorithm: "EC-P256" });
    first = (await store.secureMail.identities(bob.id, PW))[0]!;
    signedFirst = await signed(first, "with the first key");
    // Bob renews: a new key and certificate for the same address.
    await store.secureMail.generate(bob.id, PW, { keyAlgorithm: "EC-P256" });
    second = (await store.secureMail.identities(bob.id, PW))[0]!;
    signedSecond = await signed(second, "with the second key");
  }, 60_000);
  afterAll(() => fresh.cleanup());

  async function signed(identity: Identity, subject: string): Promise<string> {
    const raw = await protectMessage(
      message({ From: `Bob Signer <bob@${DOMAIN}>`, To: `alice@${DOMAIN}`, Subject: subject }),
      { sign: { identity } },
    );
    return (await store.messages.append(alice.id, inbox, raw)).id;
  }

  async function signer(id: string): Promise<SignerView> {
    const layer = (await store.reading.read(alice.id, id)).layers[0];
    if (layer?.type !== "signed") throw new Error("expected a signed layer");
    return layer.signers[0]!;
  }

  it("reports nothing stored before the certificate is taken", async () => {
    expect(await signer(signedSecond)).toMatchObject({
      valid: true,
      storedCertificate: null,
      changed: false,
    });
  });

  it("says changed, with the stored fingerprint, when the book holds another certificate; Take Certificate asks first", async () => {
    // The old certificate is taken from the old message (revoked by the renewal, it is taken by file).
    const book = await store.addressBooks.selected(alice.id);
    const contact = await store.contacts.add(alice.id, book.id, {
      name: "Bob Signer",
      email: `bob@${DOMAIN}`,
    });
    await store.contactCertificates.add(alice.id, contact.id, first.certificate);

    expect(await signer(signedFirst)).toMatchObject({
      storedCertificate: { sha256: first.certificate.sha256 },
      changed: false,
    });
    expect(await signer(signedSecond)).toMatchObject({
      valid: true,
      certificate: { sha256: second.certificate.sha256 },
      storedCertificate: { sha256: first.certificate.sha256 },
      changed: true,
    });

    const asked = await store.reading.takeCertificate(alice.id, signedSecond, { layer: 0, index: 0 });
    expect(asked).toMatchObject({ status: "needs-confirmation", why: "replace" });
    expect(await signer(signedSecond)).toMatchObject({ changed: true });
    const taken = await store.reading.takeCertificate(
      alice.id,
      signedSecond,
      { layer: 0, index: 0 },
      { confirm: true },
    );
    expect(taken).toMatchObject({ status: "taken", replaced: [first.certificate.sha256] });
    expect(await signer(signedSecond)).toMatchObject({
      storedCertificate: { sha256: second.certificate.sha256 },
      changed: false,
    });
    expect(await signer(signedFirst)).toMatchObject({
      storedCertificate: { sha256: second.certificate.sha256 },
      changed: true,
    });
  });

  it("compares with the selected address book only", async () => {
    const other = await store.addressBooks.create(alice.id, "Empty Book", { select: true });
    expect(other.selected).toBe(true);
    expect(await signer(signedFirst)).toMatchObject({ storedCertificate: null, changed: false });
    // Another account's book never counts.
    const { account: carol } = await store.accounts.add(`carol@${DOMAIN}`, { password: "pw" });
    const carolInbox = (await store.mailboxes.require(carol.id, "INBOX")).id;
    const copy = await store.messages.append(
      carol.id,
      carolInbox,
      await store.messages.raw(alice.id, signedFirst),
    );
    const layer = (await store.reading.read(carol.id, copy.id)).layers[0];
    if (layer?.type !== "signed") throw new Error("expected a signed layer");
    expect(layer.signers[0]).toMatchObject({ storedCertificate: null, changed: false });
  });
});
