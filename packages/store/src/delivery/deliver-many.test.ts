import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import { type BlobStore, tableBlobStore } from "../mail/blob-store.js";
import type { Store } from "../open-store.js";
import { decodeOutgoing, OUTGOING_JOB_KIND } from "../outgoing/outgoing-message.js";
import type { EncryptForAccount } from "./deliver.js";

/** A stand-in for core's encryption: a marker an assertion can see, the body reversed. */
const fakeEncrypt: EncryptForAccount = async (account, message) => ({
  raw: Buffer.concat([
    Buffer.from(
      `Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nX-Fake-For: ${account.address}\r\n\r\n`,
    ),
    (await collectBytes(message)).reverse(),
  ]),
  cipher: account.encryptionMethod,
});

async function collectBytes(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

describe.each(backends)("deliverMany on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let n = 0;
  beforeAll(async () => {
    fresh = await freshStore(backend, { encryptForAccount: fakeEncrypt });
    store = fresh.store;
    await store.domains.add("many.example");
  });
  afterAll(() => fresh.cleanup());

  async function account(): Promise<Account> {
    return (await store.accounts.add(`user${n++}@many.example`, { password: "pw" })).account;
  }

  async function stored(a: Account) {
    const out: Array<{ mailbox: string; raw: string; security: string }> = [];
    for (const box of await store.mailboxes.list(a.id)) {
      const page = await store.listMessages(a.id, box.id, { limit: 1000 });
      for (const m of page.messages)
        out.push({
          mailbox: box.name,
          raw: Buffer.from(await store.messages.raw(a.id, m.id)).toString("latin1"),
          security: m.security,
        });
    }
    return out;
  }

  it("runs each recipient's own rules and stores every copy, results in the order given", async () => {
    const plain = await account();
    const secret = await account();
    await store.rules.add(
      { accountId: plain.id },
      { name: "file", actions: [{ action: "Store in", argument: "Filed" }] },
    );
    await store.rules.add(
      { accountId: secret.id },
      { name: "enc", actions: [{ action: "Store Encrypted in", argument: "INBOX" }] },
    );
    const raw = message({ From: "x@y.org", Subject: "for both" }, "the body text\r\n");
    const result = await store.deliverMany([secret, plain], raw);
    expect(result.queued).toBeNull();
    expect(result.deliveries.map((d) => d.address)).toEqual([secret.address, plain.address]);
    expect(result.deliveries[0]?.result.stored).toEqual([
      expect.objectContaining({ mailbox: "INBOX", encrypted: true, security: "encrypted" }),
    ]);
    expect(result.deliveries[1]?.result.stored).toEqual([
      expect.objectContaining({ mailbox: "Filed", encrypted: false, security: "plain" }),
    ]);
    expect(await stored(plain)).toEqual([
      { mailbox: "Filed", raw: raw.toString("latin1"), security: "plain" },
    ]);
    const enc = await stored(secret);
    expect(enc).toHaveLength(1);
    expect(enc[0]?.raw).toContain(`X-Fake-For: ${secret.address}`);
    expect(enc[0]?.raw).not.toContain("the body text");
  });

  it("delivers an account listed twice once", async () => {
    const a = await account();
    const result = await store.deliverMany([a, { id: a.id }], message({ Subject: "twice" }));
    expect(result.deliveries).toHaveLength(1);
    expect(await stored(a)).toHaveLength(1);
  });

  it("queues the outgoing message in the same transaction", async () => {
    const a = await account();
    const raw = message({ From: a.address, Subject: "out" }, "remote body\r\n");
    const result = await store.deliverMany([a], raw, {
      queue: {
        message: { envelopeFrom: a.address, recipients: ["r@remote.example"], raw, accountId: a.id },
        maxAttempts: 3,
      },
    });
    expect(result.queued).toMatchObject({ kind: OUTGOING_JOB_KIND, state: "queued", maxAttempts: 3 });
    const job = await store.jobs.get(result.queued?.id ?? "");
    expect(job?.state).toBe("queued");
    const decoded = decodeOutgoing(job?.payload ?? new Uint8Array());
    expect(decoded).toMatchObject({ envelopeFrom: a.address, recipients: ["r@remote.example"] });
    expect(Buffer.from(decoded.raw).equals(raw)).toBe(true);
    // A queue-only call (no local recipient) is allowed; nothing at all is not.
    const only = await store.deliverMany([], raw, {
      queue: { message: { envelopeFrom: "", recipients: ["r@remote.example"], raw } },
    });
    expect(only.deliveries).toEqual([]);
    expect((await store.jobs.get(only.queued?.id ?? ""))?.state).toBe("queued");
    await expect(store.deliverMany([], raw)).rejects.toMatchObject({ code: "invalid-argument" });
  });

  it("refuses the whole delivery when one recipient is disabled, before anything is written", async () => {
    const a = await account();
    const b = await account();
    await store.accounts.set(b.address, { disabled: true });
    await expect(store.deliverMany([a, b], message({ Subject: "x" }))).rejects.toMatchObject({
      code: "forbidden",
    });
    expect(await stored(a)).toEqual([]);
  });

  it("encrypts every copy before the transaction starts", async () => {
    const events: string[] = [];
    const recording: BlobStore = {
      ...tableBlobStore,
      put: async (q, bytes, now) => {
        events.push("put");
        return tableBlobStore.put(q, bytes, now);
      },
    };
    const own = await freshStore(backend, {
      blobs: recording,
      encryptForAccount: async (acc, raw, size) => {
        events.push("encrypt");
        return fakeEncrypt(acc, raw, size);
      },
    });
    try {
      const ids = [];
      for (const name of ["p", "q", "r"]) {
        const { account: a } = await own.store.accounts.add(`${name}@order.example`, {
          password: "pw",
          createDomain: true,
        });
        await own.store.rules.add(
          { accountId: a.id },
          { name: "enc", actions: [{ action: "Store Encrypted in", argument: "INBOX" }] },
        );
        ids.push(a);
      }
      events.length = 0;
      await own.store.deliverMany(ids, message({ Subject: "x" }));
      expect(events).toEqual(["encrypt", "encrypt", "encrypt", "put", "put", "put"]);
    } finally {
      await own.cleanup();
    }
  });

  it("stores all recipients' copies and the job, or none: a failure in the middle leaves nothing", async () => {
    let puts = 0;
    const failing: BlobStore = {
      ...tableBlobStore,
      put: async (q, bytes, now) => {
        if (++puts === 3) throw new Error("disk full");
        return tableBlobStore.put(q, bytes, now);
      },
    };
    const own = await freshStore(backend, { blobs: failing });
    try {
      const accounts = [];
      for (const name of ["a", "b", "c"])
        accounts.push(
          (await own.store.accounts.add(`${name}@atomic.example`, { password: "pw", createDomain: true }))
            .account,
        );
      const raw = message({ Subject: "x" });
      await expect(
        own.store.deliverMany(accounts, raw, {
          queue: { message: { envelopeFrom: "a@atomic.example", recipients: ["z@remote.example"], raw } },
        }),
      ).rejects.toThrow("disk full");
      expect(puts).toBe(3);
      expect(await storeInternals(own.store).db.selectFrom("messages").select("id").execute()).toEqual([]);
      expect(await storeInternals(own.store).db.selectFrom("message_blobs").select("id").execute()).toEqual(
        [],
      );
      expect(await storeInternals(own.store).db.selectFrom("jobs").select("id").execute()).toEqual([]);
      // The same call succeeds once the disk is back, and then everything is there.
      const ok = await own.store.deliverMany(accounts, raw, {
        queue: { message: { envelopeFrom: "a@atomic.example", recipients: ["z@remote.example"], raw } },
      });
      expect(ok.deliveries.map((d) => d.result.stored.length)).toEqual([1, 1, 1]);
      expect(await storeInternals(own.store).db.selectFrom("messages").select("id").execute()).toHaveLength(
        3,
      );
      expect(await storeInternals(own.store).db.selectFrom("jobs").select("id").execute()).toHaveLength(1);
    } finally {
      await own.cleanup();
    }
  });
});
