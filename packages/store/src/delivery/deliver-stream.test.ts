import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import type { Job } from "../jobs/jobs.js";
import { BLOB_CHUNK_BYTES } from "../mail/blob-store.js";
import { HEADER_CAPTURE_BYTES, incomingMessage, type MessageSource } from "../mail/incoming-message.js";
import type { Store } from "../open-store.js";
import { decodeOutgoing, decodeOutgoingPayload, OUTGOING_JOB_KIND } from "../outgoing/outgoing-message.js";

/**
 * Delivery from a message source (what the worker's spool and `sealbox deliver` hand over):
 * large copies are streamed into staged blobs and claimed by the one commit, Store Encrypted
 * copies through core's streaming encryptor; the header block is parsed once; a failure
 * leaves neither a message nor a staged blob.
 */
const PW = "Secure Mail pw 1";

function bigMessage(subject: string, size: number): Buffer {
  const head = Buffer.from(
    `From: Sender <sender@remote.example>\r\nTo: a@stream.example\r\nSubject: ${subject}\r\n` +
      "Date: Sat, 05 Dec 2026 07:00:00 +0000\r\nMessage-ID: <s@remote.example>\r\n\r\n",
  );
  const out = Buffer.alloc(size, 0x2e);
  head.copy(out);
  const line = Buffer.from("body line with the marker streamed-body-marker\r\n");
  for (let at = head.length; at + line.length <= size; at += line.length) line.copy(out, at);
  return out;
}

/** A re-openable source over bytes, yielding small pieces, counting how often it is opened. */
function source(bytes: Buffer, failOnOpen?: number): MessageSource & { opens: number } {
  const s = {
    opens: 0,
    head: bytes.subarray(0, HEADER_CAPTURE_BYTES),
    size: bytes.length,
    open() {
      const n = ++s.opens;
      return (async function* () {
        for (let at = 0; at < bytes.length; at += 100_000) {
          if (n === failOnOpen && at > 2 * BLOB_CHUNK_BYTES) throw new Error("spool read failed");
          yield bytes.subarray(at, at + 100_000);
        }
      })();
    },
  };
  return s;
}

describe.each(backends)("delivery from a message source on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let n = 0;
  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: Buffer.from("stream test server secret!") });
    store = fresh.store;
    await store.domains.add("stream.example");
  }, 60_000);
  afterAll(() => fresh.cleanup());

  async function account(encrypted: boolean): Promise<Account> {
    const { account } = await store.accounts.add(`user${n++}@stream.example`, { password: "pw" });
    await store.rules.add(
      { accountId: account.id },
      {
        name: "two copies",
        actions: [
          { action: "Store in", argument: "Archive" },
          ...(encrypted ? [{ action: "Store Encrypted in" as const, argument: "INBOX" }] : []),
        ],
      },
    );
    if (encrypted) await store.secureMail.generate(account.id, PW, { keyAlgorithm: "EC-P256" });
    return account;
  }

  const staged = async () =>
    (
      await storeInternals(store)
        .db.selectFrom("message_blobs")
        .select("id")
        .where("staged", "=", 1)
        .execute()
    ).length;

  it("stores large copies byte for byte (plain and decrypted), one read of the source per copy", async () => {
    const plain = await account(false);
    const sealed = await account(true);
    const raw = bigMessage("large", 5 * BLOB_CHUNK_BYTES + 123);
    const src = source(raw);
    const result = await store.deliverMany([plain, sealed], src);
    expect(src.opens).toBe(3); // plain's Archive, sealed's Archive, sealed's encrypted INBOX
    expect(await staged()).toBe(0);
    const [p, s] = result.deliveries;
    expect(p?.result.stored.map((c) => [c.mailbox, c.encrypted])).toEqual([["Archive", false]]);
    expect(s?.result.stored.map((c) => [c.mailbox, c.encrypted])).toEqual([
      ["Archive", false],
      ["INBOX", true],
    ]);
    for (const [a, copy] of [
      [plain, p?.result.stored[0]],
      [sealed, s?.result.stored[0]],
    ] as const)
      expect(Buffer.from(await store.messages.raw(a.id, copy?.id as string)).equals(raw)).toBe(true);
    const enc = s?.result.stored[1];
    const sealedBytes = Buffer.from(await store.messages.raw(sealed.id, enc?.id as string));
    expect(sealedBytes.includes(Buffer.from("streamed-body-marker"))).toBe(false);
    const summary = await store.messages.get(sealed.id, enc?.id as string);
    expect(summary).toMatchObject({ subject: "large", security: "encrypted", size: sealedBytes.length });
    const opened = await store.messageCrypto.decryptInPlace(sealed.id, enc?.id as string, PW);
    expect(Buffer.from(await store.messages.raw(sealed.id, opened.id)).equals(raw)).toBe(true);
  }, 120_000);

  it("parses the header block once: deliverMany and the Store Encrypted encryptor read the parse given, not the bytes again", async () => {
    const a = await account(false);
    const b = await account(true);
    const raw = bigMessage("parsed once!", 2 * BLOB_CHUNK_BYTES);
    // The stream differs from the head it starts with: were the header block parsed again from
    // the stream (by the store, or by the encryptor for the envelope's fields), a copy would be
    // listed as "PARSED TWICE".
    const streamed = Buffer.from(raw);
    streamed.write("PARSED TWICE", raw.indexOf("parsed once!"));
    const message = incomingMessage({ ...source(streamed), head: raw.subarray(0, HEADER_CAPTURE_BYTES) });
    expect(incomingMessage(message)).toBe(message);
    const result = await store.deliverMany([a, b], message);
    const copy = result.deliveries[0]?.result.stored[0];
    expect((await store.messages.get(a.id, copy?.id as string)).subject).toBe("parsed once!");
    const sealed = result.deliveries[1]?.result.stored.find((c) => c.encrypted);
    expect(sealed).toBeDefined();
    expect((await store.messages.get(b.id, sealed?.id as string)).subject).toBe("parsed once!");
  }, 60_000);

  it("classifies the message once for all its recipients", async () => {
    const a = await account(false);
    const b = await account(false);
    const filler = `X-Filler: ${"a".repeat(26)}`;
    const label = "Content-Type: application/pkcs7-mime";
    expect(filler.length).toBe(label.length);
    const raw = bigMessage("classified once", 2 * BLOB_CHUNK_BYTES);
    const withFiller = Buffer.concat([Buffer.from(`${filler}\r\n`), raw]);
    const message = incomingMessage(source(withFiller));
    // Were the head classified again, the pkcs7-mime label (with no CMS after it) would list it encrypted.
    Buffer.from(message.head.buffer, message.head.byteOffset).write(label, 0);
    const result = await store.deliverMany([a, b], message);
    for (const delivery of result.deliveries)
      expect(delivery.result.stored.map((c) => c.security)).toEqual(["plain"]);
  }, 60_000);

  it("a failure while streaming a later copy leaves no message and no staged blob", async () => {
    const a = await account(false);
    const b = await account(false);
    const raw = bigMessage("fails", 4 * BLOB_CHUNK_BYTES);
    const before = (await storeInternals(store).db.selectFrom("messages").select("id").execute()).length;
    await expect(store.deliverMany([a, b], source(raw, 2))).rejects.toThrow("spool read failed");
    expect((await storeInternals(store).db.selectFrom("messages").select("id").execute()).length).toBe(
      before,
    );
    expect(await staged()).toBe(0);
  }, 60_000);

  async function collect(content: Uint8Array | AsyncIterable<Uint8Array>): Promise<Buffer> {
    if (content instanceof Uint8Array) return Buffer.from(content);
    const parts: Buffer[] = [];
    for await (const part of content) parts.push(Buffer.from(part));
    return Buffer.concat(parts);
  }

  const blobExists = async (id: string) =>
    (await storeInternals(store).db.selectFrom("message_blobs").select("id").where("id", "=", id).execute())
      .length === 1;

  it("queues a large message for the remote recipients in a blob the job owns, removed when the job completes", async () => {
    const a = await account(false);
    const raw = bigMessage("queued", 2 * BLOB_CHUNK_BYTES + 5);
    const envelope = { envelopeFrom: a.address, recipients: ["far@remote.example"], accountId: a.id };
    const result = await store.deliverMany([a], source(raw), { queue: { message: envelope } });
    expect(result.queued?.kind).toBe(OUTGOING_JOB_KIND);
    const blobId = result.queued?.blobId as string;
    expect(blobId).toBeTruthy();
    // The row holds the envelope only, never the message.
    const row = await storeInternals(store)
      .db.selectFrom("jobs")
      .select("payload")
      .where("id", "=", result.queued?.id as string)
      .executeTakeFirstOrThrow();
    expect(row.payload?.byteLength).toBeLessThan(1024);
    expect(decodeOutgoingPayload(row.payload as Uint8Array)).toEqual({ envelope, raw: null });
    expect(() => decodeOutgoing(row.payload as Uint8Array)).toThrow(/in the job's blob/);

    // The relay consumer's view: chunk by chunk, byte for byte.
    const job = (await store.jobs.claim("stream-test", 60_000, [OUTGOING_JOB_KIND])) as Job;
    expect(job.id).toBe(result.queued?.id);
    const out = await store.outgoing.open(job);
    expect(out).toMatchObject({ ...envelope, size: raw.length });
    const content = out.content();
    expect(content).not.toBeInstanceOf(Uint8Array);
    expect((await collect(content)).equals(raw)).toBe(true);
    expect(Buffer.from(await out.start(300)).equals(raw.subarray(0, 300))).toBe(true);

    // Queued again for a deferred recipient: its own copy of the bytes, so completing the
    // first job removes only the first blob.
    const again = await store.outgoing.requeue(job, ["later@remote.example"]);
    expect(again.blobId).toBeTruthy();
    expect(again.blobId).not.toBe(blobId);
    expect(await store.jobs.complete(job)).toBe(true);
    expect(await store.jobs.get(job.id)).toMatchObject({ state: "done", payload: null, blobId: null });
    expect(await blobExists(blobId)).toBe(false);
    const next = (await store.jobs.claim("stream-test", 60_000, [OUTGOING_JOB_KIND])) as Job;
    expect(next.id).toBe(again.id);
    const second = await store.outgoing.open(next);
    expect(second.recipients).toEqual(["later@remote.example"]);
    expect((await collect(second.content())).equals(raw)).toBe(true);
    expect(await store.jobs.complete(next)).toBe(true);
    expect(await blobExists(next.blobId as string)).toBe(false);
    expect(await staged()).toBe(0);
  }, 60_000);

  it("a dead job keeps its blob for an operator's retry; a worker that lost its lease removes nothing", async () => {
    const a = await account(false);
    const raw = bigMessage("kept", 2 * BLOB_CHUNK_BYTES);
    const result = await store.deliverMany([a], source(raw), {
      queue: { message: { envelopeFrom: a.address, recipients: ["far@remote.example"] }, maxAttempts: 1 },
    });
    const blobId = result.queued?.blobId as string;
    const job = (await store.jobs.claim("stream-test", 60_000, [OUTGOING_JOB_KIND])) as Job;
    expect(await store.jobs.fail(job, "550 no", { permanent: true })).toMatchObject({ state: "dead" });
    expect(await blobExists(blobId)).toBe(true);
    // The lost lease: completing with the old attempt changes nothing.
    expect(await store.jobs.complete(job)).toBe(false);
    expect(await blobExists(blobId)).toBe(true);
    expect(await store.jobs.retryDead(job.id)).toBe(true);
    const retried = (await store.jobs.claim("stream-test", 60_000, [OUTGOING_JOB_KIND])) as Job;
    expect(retried.id).toBe(job.id);
    expect((await collect((await store.outgoing.open(retried)).content())).equals(raw)).toBe(true);
    expect(await store.jobs.complete(retried)).toBe(true);
    expect(await blobExists(blobId)).toBe(false);
  }, 60_000);

  it("a failed commit leaves neither the outgoing job nor its staged blob", async () => {
    const a = await account(false);
    const raw = bigMessage("queue fails", 2 * BLOB_CHUNK_BYTES);
    const jobs = async () =>
      (await storeInternals(store).db.selectFrom("jobs").select("id").execute()).length;
    const before = await jobs();
    await expect(
      store.deliverMany([a], source(raw), {
        queue: { message: { envelopeFrom: a.address, recipients: ["far@remote.example"] } },
        alsoWrite: async () => {
          throw new Error("the Sent copy failed");
        },
      }),
    ).rejects.toThrow("the Sent copy failed");
    expect(await jobs()).toBe(before);
    expect(await staged()).toBe(0);
  }, 60_000);

  it("a message up to one chunk still goes inline in the job's payload", async () => {
    const a = await account(false);
    const raw = bigMessage("small queued", 300 * 1024);
    const result = await store.deliverMany([a], source(raw), {
      queue: { message: { envelopeFrom: a.address, recipients: ["near@remote.example"] } },
    });
    expect(result.queued?.blobId).toBeNull();
    const out = decodeOutgoing(result.queued?.payload as Uint8Array);
    expect(Buffer.from(out.raw).equals(raw)).toBe(true);
    const job = (await store.jobs.claim("stream-test", 60_000, [OUTGOING_JOB_KIND])) as Job;
    expect((await store.outgoing.open(job)).content()).toBeInstanceOf(Uint8Array);
    await store.jobs.complete(job);
  });

  it("refuses a source whose head is shorter than the header capture, and a header block over the limits", () => {
    const raw = bigMessage("short head", 2 * BLOB_CHUNK_BYTES);
    expect(() => incomingMessage({ ...source(raw), head: raw.subarray(0, 100) })).toThrow(/head must hold/);
    const padded = Buffer.concat([
      Buffer.from(`Subject: x\r\nX-Pad: ${"y".repeat(300 * 1024)}\r\n\r\n`),
      Buffer.alloc(BLOB_CHUNK_BYTES),
    ]);
    expect(() => incomingMessage(source(padded))).toThrow(/header block larger than/);
  });
  it("small copies past the delivery's in-memory allowance are staged: every copy stored, none held per recipient", async () => {
    const accounts = await Promise.all(Array.from({ length: 6 }, () => account(false)));
    const bytes = bigMessage("many small copies", 200_000);
    const blobs = storeInternals(store).context.blobs;
    const stage = blobs.stage;
    let staged = 0;
    blobs.stage = (db, src, now) => {
      staged++;
      return stage.call(blobs, db, src, now);
    };
    try {
      // One copy per account (its rule stores in Archive), 6 in all; room in memory for 3 of them.
      const result = await store.deliverMany(accounts, source(bytes), { copiesInMemoryBytes: 3 * 200_000 });
      expect(result.deliveries.flatMap((d) => d.result.stored)).toHaveLength(6);
      expect(staged).toBe(3);
    } finally {
      blobs.stage = stage;
    }
    for (const a of accounts) {
      const box = await store.mailboxes.require(a.id, "Archive");
      const [m] = (await store.listMessages(a.id, box.id)).messages;
      expect(Buffer.from(await store.messages.raw(a.id, m!.id)).equals(bytes)).toBe(true);
    }
  });
});
