import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createCa, type Identity, issueUserCertificate, parseCertificate } from "@sealbox/core";
import PostalMime, { type Address } from "postal-mime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, testClock } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import type { Store } from "../open-store.js";
import type { ComposeInput } from "./compose.js";

const SECRET = Buffer.from("composer test server secret, long enough");
const PW = "composer secure mail password";
const DOMAIN = "compose.example";
const DAY = 86_400_000;

const parse = (raw: Uint8Array) => PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
const mailboxes = (list: Address[] | undefined) =>
  (list ?? []).map((a) => ("address" in a ? { name: a.name, address: a.address } : a));
const lf = (s: string | undefined) => (s ?? "").replace(/\r\n/g, "\n");

describe.each(backends)("composer on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let bob: Account;
  let carl: Account;
  let foreignCa: Identity;
  const clock = testClock(Date.now());

  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: SECRET, now: clock.now });
    store = fresh.store;
    alice = (
      await store.accounts.add(`alice@${DOMAIN}`, {
        password: "pw",
        realName: "Ålice Ünïcode",
        createDomain: true,
      })
    ).account;
    bob = (await store.accounts.add(`bob@${DOMAIN}`, { password: "pw", realName: "Bob" })).account;
    carl = (await store.accounts.add(`carl@${DOMAIN}`, { password: "pw" })).account;
    await store.secureMail.generate(alice.id, PW, { keyAlgorithm: "EC-P256" });
    await store.secureMail.generate(bob.id, PW, { keyAlgorithm: "EC-P256" });
    // Made well in the past, so it can issue certificates older than the server CA's.
    foreignCa = await createCa({
      name: "Elsewhere CA",
      keyAlgorithm: "EC-P256",
      now: new Date(clock.now() - 90 * DAY),
    });
    const dave = await issueUserCertificate(foreignCa, {
      email: "dave@elsewhere.example",
      name: "Dave",
      keyAlgorithm: "EC-P256",
    });
    await store.contactCertificates.take(alice.id, dave.certificate);
  }, 120_000);
  afterAll(() => fresh.cleanup());

  const draftsOf = async (account: Account) => {
    const drafts = await store.mailboxes.get(account.id, "Drafts");
    return drafts ? (await store.listMessages(account.id, drafts.id)).messages : [];
  };
  const inboxOf = async (account: Account) =>
    (await store.listMessages(account.id, (await store.mailboxes.require(account.id, "INBOX")).id)).messages;

  it("builds a message that postal-mime reads back field for field, non-ASCII as encoded words", async () => {
    const subject =
      "Grüße aus Köln — 日本語のテキスト 🔑🔑🔑 and a long tail so that it needs several encoded words";
    const input: ComposeInput = {
      to: '"Bob, the Builder" <bob@compose.example>, Zoë Ünicode <zoe@elsewhere.example>',
      cc: "dave@elsewhere.example",
      subject,
      text: `Hallo Zoë,\n\na = b, trailing space \nand a long line: ${"x".repeat(300)}\nEnde.\n`,
    };
    const raw = await store.composer.build(alice.id, input);
    // Seven-bit clean, and no line longer than RFC 5322 allows.
    expect([...raw].every((b) => b < 0x80)).toBe(true);
    for (const line of Buffer.from(raw).toString("latin1").split("\r\n"))
      expect(line.length).toBeLessThanOrEqual(998);
    const header = Buffer.from(raw).toString("latin1").split("\r\n\r\n")[0]!;
    expect(header).toContain("=?UTF-8?B?");
    for (const line of header.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);

    const email = await parse(raw);
    expect(email.subject).toBe(subject);
    expect(mailboxes(email.from ? [email.from] : [])).toEqual([
      { name: "Ålice Ünïcode", address: `alice@${DOMAIN}` },
    ]);
    expect(mailboxes(email.to)).toEqual([
      { name: "Bob, the Builder", address: "bob@compose.example" },
      { name: "Zoë Ünicode", address: "zoe@elsewhere.example" },
    ]);
    expect(mailboxes(email.cc)).toEqual([{ name: "", address: "dave@elsewhere.example" }]);
    expect(lf(email.text)).toBe(input.text);
    expect(email.attachments).toEqual([]);
  });

  it("carries attachments as base64 that decodes to the exact bytes", async () => {
    const binary = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 131 + (i >> 3)) % 256));
    const withLineEnds = Buffer.from("line one\r\nline two\nline three\rno end");
    const raw = await store.composer.build(alice.id, {
      to: "bob@compose.example",
      subject: "files",
      text: "see attached",
      attachments: [
        { filename: "data.bin", contentType: "application/octet-stream", content: binary },
        { filename: "Bericht Größe ü.txt", contentType: "text/plain", content: withLineEnds },
        { filename: "../etc/passwd", contentType: "not a type", content: new Uint8Array(0) },
      ],
    });
    expect([...raw].every((b) => b < 0x80)).toBe(true);
    const email = await parse(raw);
    expect(lf(email.text).trim()).toBe("see attached");
    expect(email.attachments.map((a) => [a.filename, a.mimeType])).toEqual([
      ["data.bin", "application/octet-stream"],
      ["Bericht Größe ü.txt", "text/plain"],
      [".._etc_passwd", "application/octet-stream"],
    ]);
    const bytes = email.attachments.map((a) => Buffer.from(a.content as ArrayBuffer));
    expect(bytes[0]!.equals(binary)).toBe(true);
    expect(bytes[1]!.equals(withLineEnds)).toBe(true);
    expect(bytes[2]!.length).toBe(0);
  });

  it("names a typed address that is not an address, and refuses CR/LF in one-line fields", async () => {
    const base = { to: "bob@compose.example", subject: "s", text: "t" };
    await expect(
      store.composer.build(alice.id, { ...base, to: "bob@compose.example, carol" }),
    ).rejects.toMatchObject({
      code: "invalid-argument",
      message: expect.stringMatching(/^To: .*"carol"/),
    });
    await expect(store.composer.build(alice.id, { ...base, cc: "Dave <dave>" })).rejects.toMatchObject({
      code: "invalid-argument",
      message: expect.stringMatching(/^Cc: .*dave/),
    });
    await expect(store.composer.build(alice.id, { ...base, bcc: "nobody" })).rejects.toMatchObject({
      code: "invalid-argument",
      message: expect.stringMatching(/^Bcc: .*nobody/),
    });
    for (const subject of ["two\r\nBcc: eve@evil.example", "line\nfeed", "carriage\rreturn"])
      await expect(store.composer.build(alice.id, { ...base, subject })).rejects.toMatchObject({
        code: "invalid-argument",
      });
    await expect(
      store.composer.build(alice.id, { ...base, inReplyTo: "<a@b>\r\nBcc: eve@evil.example" }),
    ).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(
      store.composer.build(alice.id, {
        ...base,
        attachments: [{ filename: "a\r\nb.txt", contentType: "text/plain", content: new Uint8Array(1) }],
      }),
    ).rejects.toMatchObject({ code: "invalid-argument" });
  });

  it("sends without Bcc in any copy; the Bcc recipient still gets it", async () => {
    const result = await store.composer.send(alice.id, {
      to: "Bob <bob@compose.example>",
      bcc: "carl@compose.example",
      subject: "bcc check",
      text: "hello bob",
    });
    expect(result.security).toBe("plain");
    const sent = Buffer.from(await store.messages.raw(alice.id, result.sentId)).toString("latin1");
    expect(sent).not.toMatch(/^Bcc:/im);
    expect(sent).not.toContain("carl@");
    const bobCopy = (await inboxOf(bob)).find((m) => m.subject === "bcc check")!;
    expect(Buffer.from(await store.messages.raw(bob.id, bobCopy.id)).toString("latin1")).not.toContain(
      "carl@",
    );
    const carlCopy = (await inboxOf(carl)).find((m) => m.subject === "bcc check")!;
    const carlRaw = Buffer.from(await store.messages.raw(carl.id, carlCopy.id)).toString("latin1");
    expect(carlRaw).not.toMatch(/^Bcc:/im);
    expect(lf((await parse(Buffer.from(carlRaw, "latin1"))).text).trim()).toBe("hello bob");
  });

  it("sends signed and encrypted through the composer with the password or an unlocked session", async () => {
    const { token } = await store.sessions.create(alice.id);
    await store.secureMail.unlock(alice.id, token, PW);
    for (const access of [PW, { sessionToken: token }]) {
      const result = await store.composer.send(
        alice.id,
        { to: "bob@compose.example", subject: "sealed", text: "for bob only" },
        { sign: true, encrypt: true, access },
      );
      expect(result.security).toBe("signed+encrypted");
      const sent = Buffer.from(await store.messages.raw(alice.id, result.sentId));
      expect(sent.includes("for bob only")).toBe(false);
    }
    const bobCopy = (await inboxOf(bob)).find((m) => m.subject === "sealed")!;
    const view = await store.reading.read(bob.id, bobCopy.id, { access: PW });
    expect(view.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    expect(lf(view.text ?? "").trim()).toBe("for bob only");
  });

  it("saves a plain draft, replaces it, and removes it when it is sent", async () => {
    const first = await store.composer.saveDraft(alice.id, {
      to: "bob@compose.example",
      subject: "draft one",
      text: "first words",
    });
    expect(first).toMatchObject({ security: "plain", cipher: null, subject: "draft one" });
    expect(first.flags).toContain("seen");
    expect(first.mailboxId).toBe((await store.mailboxes.require(alice.id, "Drafts")).id);
    expect(Buffer.from(await store.messages.raw(alice.id, first.id)).toString()).toMatch(
      /^Date: .+\+0000\r\n/,
    );

    const second = await store.composer.saveDraft(
      alice.id,
      { to: "bob@compose.example", subject: "draft two", text: "second words" },
      { replaceId: first.id },
    );
    await expect(store.messages.get(alice.id, first.id)).rejects.toMatchObject({ code: "not-found" });
    expect((await draftsOf(alice)).map((m) => m.id)).toEqual([second.id]);

    // replaceId and draftId name only the account's own drafts: a message in another mailbox,
    // or another account's draft, is not-found and stays; nothing is saved or sent.
    const inboxMessage = (await inboxOf(bob))[0]!;
    const bobsDraft = { to: "alice@compose.example", subject: "bob's draft", text: "x" };
    await expect(
      store.composer.saveDraft(bob.id, bobsDraft, { replaceId: inboxMessage.id }),
    ).rejects.toMatchObject({ code: "not-found" });
    await expect(store.composer.saveDraft(bob.id, bobsDraft, { replaceId: second.id })).rejects.toMatchObject(
      {
        code: "not-found",
      },
    );
    await expect(store.composer.send(bob.id, bobsDraft, { draftId: second.id })).rejects.toMatchObject({
      code: "not-found",
    });
    expect((await store.messages.get(bob.id, inboxMessage.id)).id).toBe(inboxMessage.id);
    expect(await draftsOf(bob)).toEqual([]);
    expect((await draftsOf(alice)).map((m) => m.id)).toEqual([second.id]);

    // A send that fails keeps the draft; a send that works removes it.
    await expect(
      store.composer.send(
        alice.id,
        { to: "nobody@elsewhere.example", subject: "draft two", text: "second words" },
        { encrypt: true, draftId: second.id },
      ),
    ).rejects.toMatchObject({ code: "missing-certificates" });
    expect((await draftsOf(alice)).map((m) => m.id)).toEqual([second.id]);
    const sent = await store.composer.send(
      alice.id,
      { to: "bob@compose.example", subject: "draft two", text: "second words" },
      { draftId: second.id },
    );
    expect(sent.sentId).not.toBe("");
    expect(await draftsOf(alice)).toEqual([]);
    await expect(store.messages.get(alice.id, second.id)).rejects.toMatchObject({ code: "not-found" });
  });

  it("stores a draft to be sent encrypted only encrypted: no plaintext in the database", async () => {
    const marker = "draft-plaintext-marker-0815";
    const draft = await store.composer.saveDraft(
      alice.id,
      { to: "bob@compose.example", subject: "secret draft", text: `${marker}\n` },
      { encrypt: true },
    );
    expect(draft).toMatchObject({ security: "encrypted", cipher: "AES-256-CBC" });
    expect(Buffer.from(await store.messages.raw(alice.id, draft.id)).includes(marker)).toBe(false);
    const blobs = await storeInternals(store).db.selectFrom("message_blob_chunks").select("data").execute();
    expect(blobs.length).toBeGreaterThan(0);
    for (const blob of blobs) expect(Buffer.from(blob.data).includes(marker)).toBe(false);
    if (backend.name === "sqlite") {
      for (const file of readdirSync(fresh.base).filter((f) => f.startsWith("sealbox.db")))
        expect(readFileSync(join(fresh.base, file)).includes(Buffer.from(marker))).toBe(false);
    }
    // The owner opens it.
    const view = await store.reading.read(alice.id, draft.id, { access: PW });
    expect(view.state).toBe("opened");
    expect(view.text).toContain(marker);
    expect(view.headers.subject).toBe("secret draft");
    // Replacing it with another encrypted version keeps one draft.
    const again = await store.composer.saveDraft(
      alice.id,
      { to: "bob@compose.example", subject: "secret draft", text: `${marker} v2\n` },
      { encrypt: true, replaceId: draft.id },
    );
    expect((await draftsOf(alice)).map((m) => m.id)).toEqual([again.id]);
    // Without a certificate there is no encrypted draft (and no plaintext one instead).
    await expect(
      store.composer.saveDraft(
        carl.id,
        { to: "bob@compose.example", subject: "s", text: marker },
        { encrypt: true },
      ),
    ).rejects.toMatchObject({ code: "no-key" });
    expect(await draftsOf(carl)).toEqual([]);
    await store.messages.remove(alice.id, again.id);
  });

  it("a plaintext draft replaced by an encrypted one leaves no plaintext in the database files", async () => {
    const marker = "autosaved-before-encrypt-4711";
    const plain = await store.composer.saveDraft(alice.id, {
      to: "bob@compose.example",
      subject: "draft",
      text: `${marker}\n`,
    });
    const sealed = await store.composer.saveDraft(
      alice.id,
      { to: "bob@compose.example", subject: "draft", text: `${marker}\n` },
      { encrypt: true, replaceId: plain.id },
    );
    for (const blob of await storeInternals(store)
      .db.selectFrom("message_blob_chunks")
      .select("data")
      .execute())
      expect(Buffer.from(blob.data).includes(marker)).toBe(false);
    if (backend.name === "sqlite") {
      for (const file of readdirSync(fresh.base).filter((f) => f.startsWith("sealbox.db")))
        expect(readFileSync(join(fresh.base, file)).includes(Buffer.from(marker)), file).toBe(false);
    }
    await store.messages.remove(alice.id, sealed.id);
  });

  it("names recipients without a certificate and where each certificate comes from", async () => {
    const statuses = await store.composer.recipientCertificates(alice.id, {
      to: "Bob <bob@compose.example>, Nobody <nobody@elsewhere.example>",
      cc: "dave@elsewhere.example",
      bcc: "BOB@compose.example",
    });
    expect(statuses).toEqual([
      { address: "bob@compose.example", ok: true, reason: null, source: "directory" },
      { address: "nobody@elsewhere.example", ok: false, reason: "no certificate", source: null },
      { address: "dave@elsewhere.example", ok: true, reason: null, source: "address-book" },
    ]);
    await expect(store.composer.recipientCertificates(alice.id, { to: "bob" })).rejects.toMatchObject({
      code: "invalid-argument",
    });
    expect(await store.composer.recipientCertificates(alice.id, {})).toEqual([]);
  });

  it("a certificate taken into the address book wins over the directory", async () => {
    // An older certificate for Bob's address from another CA, filed in Alice's address book.
    const older = await issueUserCertificate(foreignCa, {
      email: `bob@${DOMAIN}`,
      name: "Bob",
      keyAlgorithm: "EC-P256",
      now: new Date(clock.now() - 30 * DAY),
    });
    const directory = await store.lookupDirectory(`bob@${DOMAIN}`);
    expect(directory).toBeDefined();
    const taken = await store.contactCertificates.take(alice.id, older.certificate);
    expect(older.certificate.notBefore.getTime()).toBeLessThan(
      parseCertificate(directory!.certificate).notBefore.getTime(),
    );
    expect(taken.status).toBe("taken");
    expect(await store.composer.recipientCertificates(alice.id, { to: `bob@${DOMAIN}` })).toEqual([
      { address: `bob@${DOMAIN}`, ok: true, reason: null, source: "address-book" },
    ]);
    // Bob's other users still see the directory.
    expect(await store.composer.recipientCertificates(carl.id, { to: `bob@${DOMAIN}` })).toEqual([
      { address: `bob@${DOMAIN}`, ok: true, reason: null, source: "directory" },
    ]);
  });
});
