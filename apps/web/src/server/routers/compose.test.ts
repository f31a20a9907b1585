import type { Store } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appCodeOf } from "../errors";
import { callerFor, testStore } from "./test-support";

const DOMAIN = "compose.example";
const ALICE = `alice@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const CAROL = `carol@${DOMAIN}`;
const FRANK = `frank@${DOMAIN}`;
const DAVE = "dave@elsewhere.example";
const ALICE_SMP = "alice's Secure Mail Password";
const BOB_SMP = "bob's Secure Mail Password";

type Caller = Awaited<ReturnType<typeof callerFor>>["caller"];

/** A refusal as the page sees it: the tRPC code, the sentence, and the store's code (appCode). */
async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; appCode: string | null }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return { code: error.code, message: error.message, appCode: appCodeOf(error) };
  }
  throw new Error("expected a refusal");
}

describe("compose router over tRPC", () => {
  let store: Store;
  let alice: { id: string };
  let bob: { id: string };
  let caller: Caller;
  let bobCaller: Caller;

  const boxOf = async (accountId: string, name: string) => {
    const box = await store.mailboxes.require(accountId, name);
    return (await store.listMessages(accountId, box.id, { limit: 1000 })).messages;
  };

  beforeAll(async () => {
    store = await testStore();
    alice = (
      await store.accounts.add(ALICE, { password: "login pw", realName: "Alice Example", createDomain: true })
    ).account;
    bob = (await store.accounts.add(BOB, { password: "login pw", realName: "Bob Example" })).account;
    await store.accounts.add(CAROL, { password: "login pw" });
    const frank = (await store.accounts.add(FRANK, { password: "login pw" })).account;
    await store.secureMail.generate(alice.id, ALICE_SMP);
    await store.secureMail.generate(bob.id, BOB_SMP);
    await store.secureMail.generate(frank.id, "frank's Secure Mail Password");
    ({ caller } = await callerFor(store, (await store.sessions.create(alice.id)).token));
    ({ caller: bobCaller } = await callerFor(store, (await store.sessions.create(bob.id)).token));
  }, 120_000);
  afterAll(() => store?.close());

  it("send: a plain message lands in the recipient's INBOX, and a copy in Sent", async () => {
    const sent = await caller.compose.send({
      to: `Bob Example <${BOB}>`,
      subject: "Plain hello",
      text: "Just saying hello.",
    });
    expect(sent).toMatchObject({ security: "plain", cipher: null });
    const copy = (await boxOf(alice.id, "Sent")).find((m) => m.id === sent.sentId);
    expect(copy).toMatchObject({ subject: "Plain hello", security: "plain", flags: ["seen"] });
    const received = (await boxOf(bob.id, "INBOX")).filter((m) => m.subject === "Plain hello");
    expect(received).toHaveLength(1);
    const view = await bobCaller.mail.read({ messageId: received[0]!.id });
    expect(view).toMatchObject({ state: "plain", headers: { from: `Alice Example <${ALICE}>` } });
    expect(view.text).toContain("Just saying hello.");
  });

  it("send signed+encrypted while unlocked: bob reads both layers after his own unlock", async () => {
    await caller.secureMail.unlock({ password: ALICE_SMP });
    const sent = await caller.compose.send({
      to: BOB,
      subject: "Lunch on Friday",
      text: "Meet at noon by the fountain.",
      sign: true,
      encrypt: true,
    });
    expect(sent).toMatchObject({ security: "signed+encrypted", cipher: "AES-256-CBC" });
    await caller.secureMail.lock();

    const [received] = (await boxOf(bob.id, "INBOX")).filter((m) => m.subject === "Lunch on Friday");
    expect(received?.security).toMatch(/encrypted/);
    const raw = Buffer.from(await store.messages.raw(bob.id, received!.id)).toString("latin1");
    expect(raw).not.toContain("fountain");
    expect((await bobCaller.mail.read({ messageId: received!.id })).state).toBe("locked");
    await bobCaller.secureMail.unlock({ password: BOB_SMP });
    const view = await bobCaller.mail.read({ messageId: received!.id });
    expect(view.state).toBe("opened");
    expect(view.layers.map((l) => l.banner)).toEqual(["Encrypted AES-256-CBC", "Signed Data (Text SHA-256)"]);
    const signed = view.layers[1];
    if (signed?.type !== "signed") throw new Error("expected a signed inner layer");
    expect(signed.verified).toBe(true);
    expect(signed.signers.map((s) => s.display)).toEqual([`Alice Example <${ALICE}>`]);
    expect(view.text).toContain("Meet at noon by the fountain.");
    await bobCaller.secureMail.lock();

    // The Sent copy is encrypted to alice too: she reads it with her own unlock.
    const sentView = await caller.mail.read({ messageId: sent.sentId });
    expect(sentView.state).toBe("locked");
    await caller.secureMail.unlock({ password: ALICE_SMP });
    expect((await caller.mail.read({ messageId: sent.sentId })).text).toContain("fountain");
    await caller.secureMail.lock();
  });

  it("send encrypted to recipients without a certificate is refused, naming each of them, and sends nothing", async () => {
    await caller.secureMail.unlock({ password: ALICE_SMP });
    const sentBefore = (await boxOf(alice.id, "Sent")).length;
    const refused = await refusal(
      caller.compose.send({ to: `${BOB}, ${CAROL}`, cc: DAVE, subject: "No way", text: "x", encrypt: true }),
    );
    expect(refused).toMatchObject({ code: "PRECONDITION_FAILED", appCode: "missing-certificates" });
    expect(refused.message).toContain(CAROL);
    expect(refused.message).toContain(DAVE);
    expect(refused.message).not.toContain(BOB);
    expect(await boxOf(alice.id, "Sent")).toHaveLength(sentBefore);
    expect((await boxOf(bob.id, "INBOX")).some((m) => m.subject === "No way")).toBe(false);
    await caller.secureMail.lock();
  });

  it("send signed while locked is refused with appCode locked, and sends nothing", async () => {
    const sentBefore = (await boxOf(alice.id, "Sent")).length;
    const refused = await refusal(
      caller.compose.send({ to: BOB, subject: "Locked out", text: "x", sign: true }),
    );
    expect(refused).toMatchObject({ code: "PRECONDITION_FAILED", appCode: "locked" });
    const encrypted = await refusal(
      caller.compose.send({ to: BOB, subject: "Locked out", text: "x", sign: true, encrypt: true }),
    );
    expect(encrypted).toMatchObject({ code: "PRECONDITION_FAILED", appCode: "locked" });
    expect(await boxOf(alice.id, "Sent")).toHaveLength(sentBefore);
    expect((await boxOf(bob.id, "INBOX")).some((m) => m.subject === "Locked out")).toBe(false);
  });

  it("saveDraft with replaceId keeps one draft; an encrypted draft is stored encrypted", async () => {
    const first = await caller.compose.saveDraft({ to: BOB, subject: "Draft v1", text: "first words" });
    expect(first.security).toBe("plain");
    const second = await caller.compose.saveDraft({
      to: BOB,
      subject: "Draft v2",
      text: "second words",
      replaceId: first.id,
    });
    let drafts = await boxOf(alice.id, "Drafts");
    expect(drafts.map((d) => [d.id, d.subject])).toEqual([[second.id, "Draft v2"]]);

    // Marked Send Encrypted: kept encrypted to alice, while locked (no unlock needed to encrypt).
    const marker = "draft-marker-8841";
    const sealed = await caller.compose.saveDraft({
      to: BOB,
      subject: "Draft v3",
      text: `the plan: ${marker}`,
      encrypt: true,
      replaceId: second.id,
    });
    expect(sealed.security).toBe("encrypted");
    drafts = await boxOf(alice.id, "Drafts");
    expect(drafts.map((d) => [d.id, d.security])).toEqual([[sealed.id, "encrypted"]]);
    const raw = Buffer.from(await store.messages.raw(alice.id, sealed.id));
    expect(raw.toString("latin1")).not.toContain(marker);
    expect(raw.toString("latin1")).toMatch(/application\/(x-)?pkcs7-mime/);
    expect((await caller.mail.read({ messageId: sealed.id })).state).toBe("locked");
    await caller.secureMail.unlock({ password: ALICE_SMP });
    expect((await caller.mail.read({ messageId: sealed.id })).text).toContain(marker);
    await caller.secureMail.lock();

    // A replaceId that is not one of alice's drafts (here her Sent copy) is refused and replaces nothing.
    const sentCopy = (await boxOf(alice.id, "Sent"))[0]!;
    expect(
      (await refusal(caller.compose.saveDraft({ to: BOB, subject: "x", text: "x", replaceId: sentCopy.id })))
        .code,
    ).toBe("NOT_FOUND");
    expect((await boxOf(alice.id, "Sent")).some((m) => m.id === sentCopy.id)).toBe(true);
    expect(await boxOf(alice.id, "Drafts")).toHaveLength(1);
  });

  it("send with draftId sends the message and removes the draft", async () => {
    const draft = await caller.compose.saveDraft({ to: BOB, subject: "From a draft", text: "drafted text" });
    const before = await boxOf(alice.id, "Drafts");
    expect(before.some((d) => d.id === draft.id)).toBe(true);
    const sent = await caller.compose.send({
      to: BOB,
      subject: "From a draft",
      text: "drafted text",
      draftId: draft.id,
    });
    const after = await boxOf(alice.id, "Drafts");
    expect(after.some((d) => d.id === draft.id)).toBe(false);
    expect(after).toHaveLength(before.length - 1);
    expect((await boxOf(alice.id, "Sent")).some((m) => m.id === sent.sentId)).toBe(true);
    expect((await boxOf(bob.id, "INBOX")).filter((m) => m.subject === "From a draft")).toHaveLength(1);
  });

  it("recipients: who cannot be encrypted to, and where each usable certificate comes from", async () => {
    // Bob's certificate filed in alice's address book; frank only in the directory.
    const bobCert = await store.secureMail.currentCertificate(bob.id);
    await store.contactCertificates.take(alice.id, bobCert!.certificate);
    const result = await caller.compose.recipients({
      to: `Bob Example <${BOB}>, ${CAROL}`,
      cc: FRANK,
      bcc: DAVE,
    });
    expect(result).toEqual([
      { address: BOB, ok: true, reason: null, source: "address-book" },
      { address: CAROL, ok: false, reason: expect.stringContaining("no certificate"), source: null },
      { address: FRANK, ok: true, reason: null, source: "directory" },
      { address: DAVE, ok: false, reason: expect.stringContaining("no certificate"), source: null },
    ]);
  });
});
