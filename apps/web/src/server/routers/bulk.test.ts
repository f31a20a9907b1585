import { protectMessage } from "@sealbox/core";
import type { Store } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, signedIn, testStore } from "./test-support";

const SMP = "bulk router Secure Mail Password";

type Caller = Awaited<ReturnType<typeof callerFor>>["caller"];

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

/** Polls a run until it is no longer running (the work goes on after start returns). */
async function ended(caller: Caller, runId: string) {
  for (let i = 0; i < 400; i++) {
    const run = await caller.bulk.run({ runId });
    if (run.state !== "running") return run;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`run ${runId} did not end`);
}

describe("bulk router: Encrypt All / Decrypt All / re-encrypt with progress", () => {
  let store: Store;
  let caller: Caller;
  let token: string;
  let accountId: string;
  let folder: string;

  const seed = async (n: number, name: string) => {
    const box = await store.mailboxes.create(accountId, name);
    for (let i = 0; i < n; i++)
      await store.messages.append(
        accountId,
        box.id,
        Buffer.from(`From: carol@elsewhere.example\r\nSubject: bulk ${i}\r\n\r\nbody ${i}\r\n`),
      );
    return box.id;
  };
  const securities = async (mailboxId: string) =>
    (await store.listMessages(accountId, mailboxId, { limit: 500 })).messages.map((m) => m.security).sort();

  beforeAll(async () => {
    store = await testStore();
    const alice = await signedIn(store, "alice@bulk-web.example");
    accountId = alice.account.id;
    token = alice.token;
    await store.secureMail.generate(accountId, SMP);
    caller = (await callerFor(store, token)).caller;
    folder = await seed(8, "Archive");
  }, 60_000);
  afterAll(() => store?.close());

  it("start refuses while locked: nothing runs", async () => {
    expect(await codeOf(caller.bulk.start({ mailboxId: folder, kind: "encrypt" }))).toBe(
      "PRECONDITION_FAILED",
    );
    expect(await caller.bulk.latest({ mailboxId: folder })).toBeNull();
  });

  it("start returns the run at once; run and latest report progress until it is done", async () => {
    await caller.secureMail.unlock({ password: SMP });
    const run = await caller.bulk.start({ mailboxId: folder, kind: "encrypt" });
    expect(run).toMatchObject({ state: "running", kind: "encrypt", total: 8, mailboxId: folder });
    // Only one run per folder at a time.
    expect(await codeOf(caller.bulk.start({ mailboxId: folder, kind: "decrypt" }))).toBe("CONFLICT");
    const end = await ended(caller, run.id);
    expect(end).toMatchObject({ state: "done", total: 8, done: 8, failed: 0, error: null });
    expect(await caller.bulk.latest({ mailboxId: folder })).toMatchObject({ id: run.id, state: "done" });
    expect(await securities(folder)).toEqual(Array(8).fill("encrypted"));

    const back = await caller.bulk.start({ mailboxId: folder, kind: "decrypt" });
    expect(await ended(caller, back.id)).toMatchObject({ state: "done", done: 8 });
    expect(await securities(folder)).toEqual(Array(8).fill("plain"));
  });

  it("Cancel stops the run after the message in hand; each message is once, encrypted or not", async () => {
    const box = await seed(60, "Large");
    const run = await caller.bulk.start({ mailboxId: box, kind: "encrypt" });
    const cancelled = await caller.bulk.cancel({ runId: run.id });
    expect(cancelled.cancelRequested || cancelled.state !== "running").toBe(true);
    const end = await ended(caller, run.id);
    expect(end.state).toBe("cancelled");
    expect(end.done).toBeLessThan(60);
    const kinds = await securities(box);
    expect(kinds).toHaveLength(60);
    expect(kinds.filter((k) => k === "encrypted")).toHaveLength(end.done);
    // A second run continues with what is left.
    const rest = await caller.bulk.start({ mailboxId: box, kind: "encrypt" });
    expect(rest.total).toBe(60 - end.done);
    expect(await ended(caller, rest.id)).toMatchObject({ state: "done", done: 60 - end.done });
  });

  it("locking mid-run stops it cleanly, with the reason", async () => {
    const box = await seed(60, "Locked");
    const run = await caller.bulk.start({ mailboxId: box, kind: "encrypt" });
    await caller.secureMail.lock();
    const end = await ended(caller, run.id);
    expect(end.state).toBe("stopped");
    expect(end.error).toMatch(/locked/i);
    const kinds = await securities(box);
    expect(kinds).toHaveLength(60);
    expect(kinds.filter((k) => k === "encrypted")).toHaveLength(end.done);
  });

  it("another web process's caller (same session) sees the same run and can cancel it", async () => {
    await caller.secureMail.unlock({ password: SMP });
    const box = await seed(40, "Elsewhere");
    const run = await caller.bulk.start({ mailboxId: box, kind: "encrypt" });
    const other = (await callerFor(store, token)).caller;
    expect((await other.bulk.latest({ mailboxId: box }))?.id).toBe(run.id);
    await other.bulk.cancel({ runId: run.id });
    expect((await ended(other, run.id)).state).toMatch(/cancelled|done/);
  });

  it("renew issues a new key under the same password, unlocks with it, and re-encrypt moves mail to it", async () => {
    const box = await seed(4, "Old Mail");
    const enc = await caller.bulk.start({ mailboxId: box, kind: "encrypt" });
    await ended(caller, enc.id);
    const before = await caller.secureMail.status();

    expect(await codeOf(caller.secureMail.renew({ password: "not the password" }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.secureMail.renew({ password: "" }))).toBe("BAD_REQUEST");
    expect(await caller.secureMail.renew({ password: SMP })).toEqual({ ok: true });
    const after = await caller.secureMail.status();
    expect(after.certificateSha256).not.toBe(before.certificateSha256);
    expect(after.earlierKeys).toBe(before.earlierKeys + 1);
    expect(await caller.secureMail.state()).toMatchObject({ unlocked: true });

    const run = await caller.bulk.start({ mailboxId: box, kind: "re-encrypt" });
    expect(await ended(caller, run.id)).toMatchObject({
      state: "done",
      kind: "re-encrypt",
      total: 4,
      done: 4,
    });
    const again = await caller.bulk.start({ mailboxId: box, kind: "re-encrypt" });
    expect(await ended(caller, again.id)).toMatchObject({ state: "done", total: 4, done: 0, skipped: 4 });
    // Readable with the session, and sealed to the new certificate only.
    const current = (await store.secureMail.currentCertificate(accountId))!.certificate.sha256;
    for (const m of (await store.listMessages(accountId, box, { limit: 10 })).messages) {
      const view = await caller.mail.read({ messageId: m.id });
      expect(view.state).toBe("opened");
      expect((await store.messageCrypto.reEncryptInPlace(accountId, m.id, SMP)).status).toBe(
        "already-current",
      );
    }
    expect(current).toBe(after.certificateSha256);
  });

  it("mail.read tells a changed signer certificate, with the stored fingerprint", async () => {
    const bob = await signedIn(store, "bob@bulk-web.example");
    await store.secureMail.generate(bob.account.id, SMP);
    const [first] = await store.secureMail.identities(bob.account.id, SMP);
    await store.secureMail.renew(bob.account.id, SMP);
    const [second] = await store.secureMail.identities(bob.account.id, SMP);
    const inbox = await store.mailboxes.require(accountId, "INBOX");
    const raw = await protectMessage(
      Buffer.from(
        `From: bob@bulk-web.example\r\nTo: alice@bulk-web.example\r\nSubject: renewed\r\n\r\nhi\r\n`,
      ),
      { sign: { identity: second! } },
    );
    const message = await store.messages.append(accountId, inbox.id, raw);
    const book = await store.addressBooks.selected(accountId);
    const contact = await store.contacts.add(accountId, book.id, {
      name: "Bob",
      email: "bob@bulk-web.example",
    });
    await store.contactCertificates.add(accountId, contact.id, first!.certificate);
    const view = await caller.mail.read({ messageId: message.id });
    const layer = view.layers[0];
    if (layer?.type !== "signed") throw new Error("expected a signed layer");
    expect(layer.signers[0]).toMatchObject({
      valid: true,
      changed: true,
      storedCertificate: { sha256: first!.certificate.sha256 },
      certificate: { sha256: second!.certificate.sha256 },
    });
  });
});
