import type { Store } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, testStore } from "./test-support";

const SMP = "a Secure Mail Password";
const DOMAIN = "mail.example";
const READER = `reader@${DOMAIN}`;
const SENDER = `sender@${DOMAIN}`;

type Caller = Awaited<ReturnType<typeof callerFor>>["caller"];

/** A plain message as another client would have stored it. */
function plain(subject: string, body: string, date: string, from = "Pat Plain <pat@elsewhere.example>") {
  return Buffer.from(
    [`From: ${from}`, `To: ${READER}`, `Subject: ${subject}`, `Date: ${date}`, "", body, ""].join("\r\n"),
  );
}

const PDF = Buffer.from("%PDF-1.4\n% a small test file\n%%EOF\n");

/** multipart/mixed: a text part and a PDF attachment. */
function withAttachment(): Buffer {
  return Buffer.from(
    [
      "From: Pat Plain <pat@elsewhere.example>",
      `To: ${READER}`,
      "Subject: minutes attached",
      "Date: Mon, 02 Jun 2025 09:00:00 +0000",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "The minutes are attached.",
      "--b1",
      'Content-Type: application/pdf; name="minutes.pdf"',
      'Content-Disposition: attachment; filename="minutes.pdf"',
      "Content-Transfer-Encoding: base64",
      "",
      PDF.toString("base64"),
      "--b1--",
      "",
    ].join("\r\n"),
  );
}

/** The tRPC code of a refusal. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return "accepted";
}

describe("mail router over tRPC", () => {
  let store: Store;
  let reader: { id: string };
  let sender: { id: string };
  let caller: Caller;
  let inboxId: string;
  let signedId: string;
  let tamperedId: string;
  let encryptedId: string;
  let plainId: string;

  beforeAll(async () => {
    store = await testStore();
    reader = (
      await store.accounts.add(READER, { password: "login pw", realName: "Rita Reader", createDomain: true })
    ).account;
    sender = (await store.accounts.add(SENDER, { password: "login pw", realName: "Sam Sender" })).account;
    await store.secureMail.generate(reader.id, SMP);
    await store.secureMail.generate(sender.id, SMP);
    const { token } = await store.sessions.create(reader.id, { client: "192.0.2.10" });
    ({ caller } = await callerFor(store, token));
    inboxId = (await store.mailboxes.require(reader.id, "INBOX")).id;

    plainId = (await store.messages.append(reader.id, inboxId, withAttachment())).id;

    // Signed by the sender's server-CA key, delivered locally into the reader's INBOX.
    const note = (subject: string, body: string) =>
      Buffer.from(
        [`From: Sam Sender <${SENDER}>`, `To: ${READER}`, `Subject: ${subject}`, "", body, ""].join("\r\n"),
      );
    await store.send(sender.id, note("signed note", "Meet me at the harbour at six."), {
      sign: true,
      securePassword: SMP,
    });
    const listed = await store.listMessages(reader.id, inboxId, { search: { text: "signed note" } });
    signedId = listed.messages[0]!.id;
    const signedRaw = Buffer.from(await store.messages.raw(reader.id, signedId)).toString("latin1");
    expect(signedRaw).toContain("harbour at six");
    // The same signed bytes with one word changed, filed as another message.
    tamperedId = (
      await store.messages.append(
        reader.id,
        inboxId,
        Buffer.from(
          signedRaw.replace("Subject: signed note", "Subject: tampered note").replace("six", "ten"),
          "latin1",
        ),
      )
    ).id;

    await store.send(sender.id, note("sealed note", "The vault code is amber-7731."), { encrypt: true });
    encryptedId = (await store.listMessages(reader.id, inboxId, { search: { text: "sealed note" } }))
      .messages[0]!.id;
  }, 120_000);
  afterAll(() => store?.close());

  it("mailboxes: the standard folders in order, with totals and unread counts", async () => {
    const boxes = await caller.mail.mailboxes();
    expect(boxes.map((b) => b.name)).toEqual(["INBOX", "Sent", "Drafts", "Trash"]);
    const inbox = boxes.find((b) => b.name === "INBOX");
    expect(inbox).toMatchObject({ id: inboxId, total: 4, unseen: 4 });
    await caller.mail.setSeen({ messageId: plainId, seen: true });
    expect((await caller.mail.mailboxes()).find((b) => b.name === "INBOX")).toMatchObject({
      total: 4,
      unseen: 3,
    });
    const created = await caller.mail.createMailbox({ name: "Projects" });
    expect((await caller.mail.mailboxes()).map((b) => b.name)).toEqual([
      "INBOX",
      "Sent",
      "Drafts",
      "Trash",
      "Projects",
    ]);
    expect((await caller.mail.mailboxes()).find((b) => b.id === created.id)).toMatchObject({
      total: 0,
      unseen: 0,
    });
  });

  it("list: keyset pages cover every message exactly once, newest first; search narrows", async () => {
    const box = await caller.mail.createMailbox({ name: "Paging" });
    const ids: string[] = [];
    for (let day = 1; day <= 7; day++) {
      const subject = day % 3 === 0 ? `needle ${day}` : `hay ${day}`;
      const raw = plain(subject, `day ${day}`, `Sun, 0${day} Jun 2025 10:00:00 +0000`);
      ids.push((await store.messages.append(reader.id, box.id, raw)).id);
    }
    const first = await caller.mail.list({ mailboxId: box.id, limit: 4 });
    expect(first.messages).toHaveLength(4);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await caller.mail.list({ mailboxId: box.id, limit: 4, cursor: first.nextCursor });
    expect(second.messages).toHaveLength(3);
    expect(second.nextCursor).toBeNull();
    const all = [...first.messages, ...second.messages];
    expect(all.map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(new Set(all.map((m) => m.id)).size).toBe(7);
    expect(all.map((m) => m.subject)).toEqual([
      "hay 7",
      "needle 6",
      "hay 5",
      "hay 4",
      "needle 3",
      "hay 2",
      "hay 1",
    ]);
    const dates = all.map((m) => m.date);
    expect(dates).toEqual([...dates].sort((a, b) => b - a));

    const found = await caller.mail.list({ mailboxId: box.id, search: "NEEDLE" });
    expect(found.messages.map((m) => m.subject)).toEqual(["needle 6", "needle 3"]);
    expect(found.nextCursor).toBeNull();
    const bySender = await caller.mail.list({ mailboxId: box.id, search: "pat@elsewhere", limit: 200 });
    expect(bySender.messages).toHaveLength(7);
    expect((await caller.mail.list({ mailboxId: box.id, search: "nothing like it" })).messages).toEqual([]);
  });

  it("read: a plain message gives its text and lists its attachment", async () => {
    const view = await caller.mail.read({ messageId: plainId });
    expect(view.state).toBe("plain");
    expect(view.layers).toEqual([]);
    expect(view.headers).toMatchObject({
      subject: "minutes attached",
      from: "Pat Plain <pat@elsewhere.example>",
    });
    expect(view.text).toContain("The minutes are attached.");
    expect(view.attachments).toEqual([
      expect.objectContaining({
        index: 0,
        filename: "minutes.pdf",
        contentType: "application/pdf",
        size: PDF.length,
        smime: false,
      }),
    ]);
    expect(view.summary).toMatchObject({ id: plainId, security: "plain" });
  });

  it("read: a signed message shows its banner and the signer from the certificate", async () => {
    const view = await caller.mail.read({ messageId: signedId });
    expect(view.state).toBe("opened");
    expect(view.summary.security).toBe("signed");
    const [layer] = view.layers;
    expect(layer).toMatchObject({
      type: "signed",
      banner: "Signed Data (Text SHA-256)",
      digest: "SHA-256",
      verified: true,
    });
    if (layer?.type !== "signed") throw new Error("expected a signed layer");
    expect(layer.signers).toHaveLength(1);
    expect(layer.signers[0]).toMatchObject({
      display: "Sam Sender <sender@mail.example>",
      valid: true,
      status: "valid",
      problem: null,
    });
    expect(view.text).toContain("Meet me at the harbour at six.");
  });

  it("read: a tampered signed message is not verified and says the content was altered", async () => {
    const view = await caller.mail.read({ messageId: tamperedId });
    const [layer] = view.layers;
    if (layer?.type !== "signed") throw new Error("expected a signed layer");
    expect(layer.verified).toBe(false);
    expect(layer.signers[0]).toMatchObject({
      valid: false,
      status: "bad-signature",
      display: "Sam Sender <sender@mail.example>",
    });
    expect(layer.signers[0]?.problem).toMatch(/altered/);
    expect(JSON.stringify(view)).not.toContain('"verified":true');
  });

  it("read: encrypted mail is locked without the unlock (nothing of it returned), opened after", async () => {
    await caller.secureMail.lock();
    const locked = await caller.mail.read({ messageId: encryptedId });
    expect(locked.state).toBe("locked");
    expect(locked.text).toBeNull();
    expect(locked.html).toBeNull();
    expect(locked.layers).toEqual([]);
    expect(locked.attachments).toEqual([]);
    const json = JSON.stringify(locked);
    for (const secret of ["amber-7731", "vault code", "amber"]) expect(json).not.toContain(secret);

    await caller.secureMail.unlock({ password: SMP });
    const opened = await caller.mail.read({ messageId: encryptedId });
    expect(opened.state).toBe("opened");
    expect(opened.layers[0]).toMatchObject({
      type: "encrypted",
      cipher: "AES-256-CBC",
      banner: "Encrypted AES-256-CBC",
    });
    expect(opened.headers).toMatchObject({ subject: "sealed note", from: `Sam Sender <${SENDER}>` });
    expect(opened.text).toContain("The vault code is amber-7731.");
    await caller.secureMail.lock();
  });

  it("decrypt and encrypt in place: a new id, exactly one copy in the list, the security flips", async () => {
    const ids = async () => (await caller.mail.list({ mailboxId: inboxId, limit: 200 })).messages;
    const before = await ids();
    // Both need this session's unlock.
    expect(await codeOf(caller.mail.decrypt({ messageId: encryptedId }))).toBe("PRECONDITION_FAILED");
    await caller.secureMail.unlock({ password: SMP });

    const decrypted = await caller.mail.decrypt({ messageId: encryptedId });
    expect(decrypted.id).not.toBe(encryptedId);
    expect(decrypted).toMatchObject({ mailboxId: inboxId, security: "plain", cipher: null });
    let listed = await ids();
    expect(listed).toHaveLength(before.length);
    expect(listed.filter((m) => m.id === decrypted.id)).toHaveLength(1);
    expect(listed.some((m) => m.id === encryptedId)).toBe(false);
    expect(Buffer.from(await store.messages.raw(reader.id, decrypted.id)).toString()).toContain("amber-7731");
    expect(await codeOf(caller.mail.read({ messageId: encryptedId }))).toBe("NOT_FOUND");

    const encrypted = await caller.mail.encrypt({ messageId: decrypted.id });
    expect(encrypted.id).not.toBe(decrypted.id);
    expect(encrypted).toMatchObject({ mailboxId: inboxId, security: "encrypted", cipher: "AES-256-CBC" });
    listed = await ids();
    expect(listed).toHaveLength(before.length);
    expect(listed.filter((m) => m.id === encrypted.id)).toHaveLength(1);
    expect(listed.some((m) => m.id === decrypted.id)).toBe(false);
    expect(Buffer.from(await store.messages.raw(reader.id, encrypted.id)).toString()).not.toContain(
      "amber-7731",
    );
    const reopened = await caller.mail.read({ messageId: encrypted.id });
    expect(reopened).toMatchObject({ state: "opened", layers: [{ banner: "Encrypted AES-256-CBC" }] });
    expect(reopened.text).toContain("amber-7731");
    // Encrypting it again is refused: it already is.
    expect(await codeOf(caller.mail.encrypt({ messageId: encrypted.id }))).toBe("BAD_REQUEST");
    encryptedId = encrypted.id;
    await caller.secureMail.lock();
  });

  it("move, delete to Trash, delete from Trash for good", async () => {
    const raw = plain("to be moved", "moving day", "Tue, 03 Jun 2025 08:00:00 +0000");
    const id = (await store.messages.append(reader.id, inboxId, raw)).id;
    const boxes = await caller.mail.mailboxes();
    const archive = await caller.mail.createMailbox({ name: "Archive" });
    const trash = boxes.find((b) => b.name === "Trash")!;

    expect(await caller.mail.move({ messageId: id, mailboxId: archive.id })).toMatchObject({
      id,
      mailboxId: archive.id,
    });
    expect((await caller.mail.list({ mailboxId: archive.id })).messages.map((m) => m.id)).toEqual([id]);
    expect(
      (await caller.mail.list({ mailboxId: inboxId, limit: 200 })).messages.some((m) => m.id === id),
    ).toBe(false);

    expect(await caller.mail.delete({ messageId: id })).toEqual({ removed: false });
    expect((await caller.mail.list({ mailboxId: trash.id })).messages.map((m) => m.id)).toEqual([id]);
    expect((await caller.mail.list({ mailboxId: archive.id })).messages).toEqual([]);

    expect(await caller.mail.delete({ messageId: id })).toEqual({ removed: true });
    expect((await caller.mail.list({ mailboxId: trash.id })).messages).toEqual([]);
    expect(await codeOf(caller.mail.read({ messageId: id }))).toBe("NOT_FOUND");
  });

  it("setSeen marks read and unread, and the unread count follows", async () => {
    const unseen = async () => (await caller.mail.mailboxes()).find((b) => b.name === "INBOX")!.unseen;
    const start = await unseen();
    expect((await caller.mail.setSeen({ messageId: signedId, seen: true })).flags).toContain("seen");
    expect(await unseen()).toBe(start - 1);
    expect((await caller.mail.setSeen({ messageId: signedId, seen: false })).flags).not.toContain("seen");
    expect(await unseen()).toBe(start);
    const row = (await caller.mail.list({ mailboxId: inboxId, limit: 200 })).messages.find(
      (m) => m.id === signedId,
    );
    expect(row?.flags).not.toContain("seen");
  });

  it("takeCertificate files the verified signer in the selected address book, once", async () => {
    const first = await caller.mail.takeCertificate({ messageId: signedId, layer: 0, signer: 0 });
    expect(first).toMatchObject({
      status: "taken",
      created: true,
      contact: { name: "Sam Sender", email: SENDER },
    });
    const again = await caller.mail.takeCertificate({ messageId: signedId, layer: 0, signer: 0 });
    expect(again).toMatchObject({ status: "already-taken", created: false });
    const [book] = (await caller.contacts.books()).filter((b) => b.selected);
    const contacts = await caller.contacts.list({ bookId: book!.id });
    expect(contacts).toEqual([
      expect.objectContaining({ name: "Sam Sender", email: SENDER, hasCertificate: true }),
    ]);
    // No such signer: refused, nothing filed.
    expect(await codeOf(caller.mail.takeCertificate({ messageId: signedId, layer: 0, signer: 5 }))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(caller.mail.takeCertificate({ messageId: plainId, layer: 0, signer: 0 }))).toBe(
      "NOT_FOUND",
    );
  });

  it("hide-subject: encrypted in place, the list and the locked view say [...], the opened view the real subject", async () => {
    await store.domains.set(DOMAIN, { hideSubjectWhenEncrypting: true });
    try {
      const raw = plain("the takeover plan", "nothing to see", "Wed, 04 Jun 2025 08:00:00 +0000");
      const id = (await store.messages.append(reader.id, inboxId, raw)).id;
      await caller.secureMail.unlock({ password: SMP });
      const encrypted = await caller.mail.encrypt({ messageId: id });
      expect(encrypted.subject).toBe("[...]");
      const listed = (await caller.mail.list({ mailboxId: inboxId, limit: 200 })).messages;
      expect(listed.find((m) => m.id === encrypted.id)?.subject).toBe("[...]");
      const opened = await caller.mail.read({ messageId: encrypted.id });
      expect(opened.headers.subject).toBe("the takeover plan");
      await caller.secureMail.lock();
      const locked = await caller.mail.read({ messageId: encrypted.id });
      expect(locked.headers.subject).toBe("[...]");
      expect(JSON.stringify(locked)).not.toContain("takeover");
    } finally {
      await store.domains.set(DOMAIN, { hideSubjectWhenEncrypting: false });
    }
  });
});
