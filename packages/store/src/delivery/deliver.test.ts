import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { encryptedElsewhere } from "../../test/encrypted-elsewhere.js";
import { type FreshStore, freshStore, message, TEST_SCRYPT } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import { type StoreLogger, silentLogger } from "../logger.js";
import { type BlobStore, tableBlobStore } from "../mail/blob-store.js";
import { openStore, type Store } from "../open-store.js";
import type { DeliveryResult, EncryptForAccount } from "./deliver.js";

/** A stand-in for core's encryption: wraps the bytes in a marker an assertion can see. */
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

function recordingLogger() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const logger: StoreLogger = {
    info: (fields, message) => lines.push({ level: "info", fields, message }),
    warn: (fields, message) => lines.push({ level: "warn", fields, message }),
  };
  return { logger, lines };
}

describe.each(backends)("deliver on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let n = 0;
  /** The store's Store Encrypted encryptor (given when it is opened); a test may swap it. */
  let hook: EncryptForAccount = fakeEncrypt;
  beforeAll(async () => {
    fresh = await freshStore(backend, { encryptForAccount: (a, m, size) => hook(a, m, size) });
    store = fresh.store;
    await store.domains.add("deliver.example");
  });
  beforeEach(() => {
    hook = fakeEncrypt;
  });
  afterAll(() => fresh.cleanup());

  async function account(): Promise<Account> {
    return (await store.accounts.add(`user${n++}@deliver.example`, { password: "pw" })).account;
  }

  async function contents(a: Account) {
    const out: Record<
      string,
      Array<{ raw: string; flags: string[]; security: string; cipher: string | null }>
    > = {};
    for (const box of await store.mailboxes.list(a.id)) {
      const page = await store.listMessages(a.id, box.id, { limit: 1000 });
      if (page.messages.length === 0) continue;
      out[box.name] = await Promise.all(
        page.messages.map(async (m) => ({
          raw: Buffer.from(await store.messages.raw(a.id, m.id)).toString("latin1"),
          flags: m.flags,
          security: m.security,
          cipher: m.cipher,
        })),
      );
    }
    return out;
  }

  const secretRule = {
    name: "Secret",
    conditions: [{ field: "Subject", op: "is", value: "*secret*" }],
    actions: [{ action: "Store Encrypted in", argument: "INBOX" }],
  };

  it("with no rules, stores the exact bytes in INBOX once", async () => {
    const a = await account();
    const raw = message({ From: "x@y.org", Subject: "hi" });
    const result = await store.deliver(a, raw);
    expect(result.stored.map((s) => s.mailbox)).toEqual(["INBOX"]);
    expect(result.discarded).toBe(false);
    expect(await contents(a)).toEqual({
      INBOX: [{ raw: raw.toString("latin1"), flags: [], security: "plain", cipher: null }],
    });
  });

  it("Store Encrypted in encrypts through the hook, and no plaintext copy is stored", async () => {
    const a = await account();
    await store.rules.add({ accountId: a.id }, secretRule);
    const raw = message({ Subject: "top secret", From: "boss@x.org" }, "the plans\r\n");
    const result = await store.deliver(a, raw);
    expect(result.stored).toEqual([
      expect.objectContaining({
        mailbox: "INBOX",
        encrypted: true,
        cipher: "AES-256-CBC",
        security: "encrypted",
      }),
    ]);
    const box = await contents(a);
    expect(box.INBOX).toHaveLength(1);
    expect(box.INBOX?.[0]?.raw).toContain(`X-Fake-For: ${a.address}`);
    expect(box.INBOX?.[0]?.raw).not.toContain("the plans");
    expect(box.INBOX?.[0]).toMatchObject({ security: "encrypted", cipher: "AES-256-CBC" });
    const plaintext = await storeInternals(store)
      .db.selectFrom("message_blob_chunks")
      .select("data")
      .execute();
    expect(plaintext.some((b) => Buffer.from(b.data).includes("the plans"))).toBe(false);
  });

  it("a signed message encrypted on delivery is signed+encrypted", async () => {
    const a = await account();
    await store.rules.add({ accountId: a.id }, secretRule);
    const raw = message(
      {
        Subject: "secret",
        "Content-Type": 'multipart/signed; protocol="application/pkcs7-signature"; boundary=b',
      },
      "--b--\r\n",
    );
    const result = await store.deliver(a, raw);
    expect(result.stored[0]?.security).toBe("signed+encrypted");
  });

  it("without a hook, or when it skips, stores unencrypted and logs why — mail is never dropped", async () => {
    const a = await account();
    await store.rules.add({ accountId: a.id }, secretRule);
    const { logger, lines } = recordingLogger();
    const raw = message({ Subject: "secret one" }, "body-one\r\n");
    // No hook at all: a store opened without an encryptor (the built-in one is the default).
    const without = await openStore(fresh.url, {
      base: fresh.base,
      logger: silentLogger,
      passwordHashing: TEST_SCRYPT,
      encryptForAccount: null,
    });
    let r1: DeliveryResult;
    try {
      r1 = await without.deliver(a, raw, { logger });
    } finally {
      await without.close();
    }
    expect(r1.stored).toEqual([expect.objectContaining({ mailbox: "INBOX", encrypted: false })]);
    expect(r1.notes).toEqual(["stored unencrypted: no encryption is configured for delivery"]);
    const warning = lines.find((l) => l.level === "warn");
    expect(warning?.fields).toMatchObject({
      account: a.address,
      reason: "no encryption is configured for delivery",
    });
    expect(JSON.stringify(lines)).not.toContain("body-one");
    expect(JSON.stringify(lines)).not.toContain("secret one");
    hook = async () => ({ skipped: "no current certificate" });
    const r2 = await store.deliver(a, raw, { logger });
    expect(r2.notes).toEqual(["stored unencrypted: no current certificate"]);
    expect((await contents(a)).INBOX?.map((m) => m.raw)).toEqual([
      raw.toString("latin1"),
      raw.toString("latin1"),
    ]);
  });

  it("with S/MIME off, does not even call the hook", async () => {
    const a = await account();
    await store.accounts.set(a.address, { smimeEnabled: false });
    await store.rules.add({ accountId: a.id }, secretRule);
    let called = false;
    hook = async (x, raw, size) => {
      called = true;
      return fakeEncrypt(x, raw, size);
    };
    const r = await store.deliver(a, message({ Subject: "secret" }));
    expect(called).toBe(false);
    expect(r.notes[0]).toMatch(/S\/MIME is off/);
    expect(r.stored[0]?.encrypted).toBe(false);
  });

  it("stores mail encrypted elsewhere as it is, listed with the cipher core reads from its CMS", async () => {
    const a = await account();
    await store.rules.add({ accountId: a.id }, { ...secretRule, conditions: [] });
    for (const [flag, cipher] of [
      ["-aes-128-gcm", "AES-128-GCM"],
      ["-des3", "3DES-CBC"],
    ] as const) {
      const raw = encryptedElsewhere(flag, { Subject: cipher, From: "someone@elsewhere.example" });
      let called = false;
      hook = async () => {
        called = true;
        return { skipped: "should not be asked" };
      };
      const r = await store.deliver(a, raw);
      expect(called).toBe(false);
      expect(r.notes).toEqual([]);
      expect(r.stored).toMatchObject([{ encrypted: true, cipher, security: "encrypted" }]);
      const stored = await store.messages.raw(a.id, r.stored[0]?.id as string);
      expect(Buffer.from(stored).equals(raw)).toBe(true);
    }
  });

  it("lists by the CMS content, not the label: a lying smime-type and a .p7m octet-stream", async () => {
    const a = await account();
    const sealed = encryptedElsewhere("-aes-256-cbc");
    const lying = Buffer.from(
      sealed.toString("latin1").replace(/smime-type=enveloped-data/, "smime-type=signed-data"),
      "latin1",
    );
    expect(lying.equals(sealed)).toBe(false);
    const octet = Buffer.from(
      sealed
        .toString("latin1")
        .replace(
          /Content-Type: application\/(x-)?pkcs7-mime;[^\r\n]*/,
          'Content-Type: application/octet-stream; name="smime.p7m"',
        ),
      "latin1",
    );
    expect(octet.equals(sealed)).toBe(false);
    for (const raw of [lying, octet]) {
      const r = await store.deliver(a, raw);
      expect(r.stored).toMatchObject([{ security: "encrypted", cipher: "AES-256-CBC" }]);
    }
    const pgp = message(
      {
        Subject: "pgp",
        "Content-Type": 'multipart/signed; protocol="application/pgp-signature"; boundary=b',
      },
      "--b\r\n\r\nhi\r\n--b--\r\n",
    );
    expect((await store.deliver(a, pgp)).stored).toMatchObject([{ security: "plain", cipher: null }]);
  });

  it("Store in files into other mailboxes (made if missing) instead of INBOX; two rules, two copies", async () => {
    const a = await account();
    await store.rules.add(
      { accountId: a.id },
      {
        name: "lists",
        conditions: [{ field: "Sender", op: "is", value: "*-bounces@*" }],
        actions: [{ action: "Store in", argument: "Lists" }],
      },
    );
    await store.rules.add(
      { accountId: a.id },
      { name: "archive", actions: [{ action: "Store in", argument: "Archive" }] },
    );
    const r = await store.deliver(a, message({ Sender: "dev-bounces@lists.org", Subject: "x" }));
    expect(r.stored.map((s) => s.mailbox).sort()).toEqual(["Archive", "Lists"]);
    expect(Object.keys(await contents(a)).sort()).toEqual(["Archive", "Lists"]);
  });

  it("a mailbox both stored in and stored encrypted in gets one encrypted copy", async () => {
    const a = await account();
    await store.rules.add(
      { accountId: a.id },
      { name: "plain", priority: 1, actions: [{ action: "Store in", argument: "INBOX" }] },
    );
    await store.rules.add({ accountId: a.id }, { ...secretRule, priority: 2 });
    const r = await store.deliver(a, message({ Subject: "secret" }));
    expect(r.stored).toEqual([expect.objectContaining({ mailbox: "INBOX", encrypted: true })]);
  });

  it("Discard cancels INBOX; Discard plus Store in keeps the Store in copy", async () => {
    const a = await account();
    await store.rules.add(
      { accountId: a.id },
      {
        name: "spam",
        conditions: [{ field: "Header Field", op: "is", value: "X-Spam: yes*" }],
        actions: [{ action: "Discard" }],
      },
    );
    const gone = await store.deliver(a, message({ "X-Spam": "yes", Subject: "buy" }));
    expect(gone).toMatchObject({ stored: [], discarded: true });
    expect(await contents(a)).toEqual({});
    await store.rules.add(
      { accountId: a.id },
      { name: "keep", priority: 9, actions: [{ action: "Store in", argument: "Junk" }] },
    );
    const kept = await store.deliver(a, message({ "X-Spam": "yes", Subject: "buy" }));
    expect(kept.stored.map((s) => s.mailbox)).toEqual(["Junk"]);
    expect(kept.discarded).toBe(false);
  });

  it("refuses a header block over 256 KB or 1,000 fields instead of delivering it past the rules", async () => {
    const a = await account();
    await store.rules.add(
      { accountId: a.id },
      {
        name: "spam",
        conditions: [{ field: "Header Field", op: "is", value: "X-Spam: yes*" }],
        actions: [{ action: "Discard" }],
      },
    );
    // The X-Spam field comes first, so a parser that read the block would discard it.
    const manyFields = message({
      "X-Spam": "yes",
      ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`X-Pad-${i}`, "x"])),
    });
    const bigBlock = message({ "X-Spam": "yes", "X-Pad": `${"y".repeat(900)}\r\n `.repeat(300) });
    expect(bigBlock.indexOf("\r\n\r\n")).toBeGreaterThan(256 * 1024);
    const fine = message({
      "X-Spam": "yes",
      ...Object.fromEntries(Array.from({ length: 998 }, (_, i) => [`X-Pad-${i}`, "x"])),
    });
    expect(await store.deliver(a, fine)).toMatchObject({ stored: [], discarded: true });
    for (const [raw, why] of [
      [manyFields, /more than 1000 header fields/],
      [bigBlock, /header block larger than 262144 bytes/],
    ] as const) {
      await expect(store.deliver(a, raw)).rejects.toMatchObject({
        name: "StoreError",
        code: "invalid-argument",
        field: "header",
        message: expect.stringMatching(why),
      });
      await expect(store.deliverMany([a], raw)).rejects.toMatchObject({ field: "header" });
      // Queued only (an authenticated relay with no local recipient): refused the same way.
      await expect(
        store.deliverMany([], raw, {
          queue: { message: { envelopeFrom: a.address, recipients: ["r@remote.example"], raw } },
        }),
      ).rejects.toMatchObject({ field: "header" });
    }
    expect(await contents(a)).toEqual({});
    expect((await store.jobs.stats()).queued).toBe(0);
  });

  it("Mark sets flags and Add Header prepends in the message's line-ending style", async () => {
    const a = await account();
    await store.rules.add(
      { accountId: a.id },
      {
        name: "tag",
        actions: [
          { action: "Add Header", argument: "X-Sealbox-Rule: tag" },
          { action: "Mark", argument: "seen" },
          { action: "Add Header", argument: "X-Second: 2" },
          { action: "Mark", argument: "flagged" },
        ],
      },
    );
    const crlf = message({ Subject: "c" });
    await store.deliver(a, crlf);
    const lf = Buffer.from("Subject: l\n\nbody\n");
    await store.deliver(a, lf);
    const inbox = (await contents(a)).INBOX ?? [];
    const raws = inbox.map((m) => m.raw).sort();
    expect(raws).toContain(`X-Sealbox-Rule: tag\r\nX-Second: 2\r\n${crlf.toString("latin1")}`);
    expect(raws).toContain(`X-Sealbox-Rule: tag\nX-Second: 2\n${lf.toString("latin1")}`);
    expect(inbox.every((m) => m.flags.join() === "seen,flagged")).toBe(true);
  });

  it("domain rules run before account rules and can stop them", async () => {
    const a = await account();
    const domain = await store.domains.require("deliver.example");
    await store.rules.add(
      { accountId: a.id },
      { name: "mine", priority: 1, actions: [{ action: "Store in", argument: "Mine" }] },
    );
    await store.rules.add(
      { domainId: domain.id },
      {
        name: "quarantine",
        priority: 9,
        conditions: [{ field: "Subject", op: "is", value: "*virus*" }],
        actions: [{ action: "Store in", argument: "Quarantine" }],
        stop: true,
      },
    );
    expect((await store.deliver(a, message({ Subject: "a virus" }))).stored.map((s) => s.mailbox)).toEqual([
      "Quarantine",
    ]);
    expect((await store.deliver(a, message({ Subject: "fine" }))).stored.map((s) => s.mailbox)).toEqual([
      "Mine",
    ]);
    await store.rules.remove({ domainId: domain.id }, "quarantine");
  });

  it("refuses a disabled account (the SMTP listener answers 5xx), storing nothing", async () => {
    const a = await account();
    await store.accounts.set(a.address, { disabled: true });
    await expect(store.deliver(a, message({ Subject: "x" }))).rejects.toMatchObject({ code: "forbidden" });
    expect(await contents(a)).toEqual({});
  });

  it("fails closed when the hook hands back no bytes: nothing stored, certainly not plaintext", async () => {
    const a = await account();
    await store.rules.add({ accountId: a.id }, secretRule);
    hook = async () => ({ raw: null as never, cipher: "AES-256-CBC" });
    await expect(store.deliver(a, message({ Subject: "secret" }))).rejects.toMatchObject({
      code: "invalid-argument",
    });
    expect(await contents(a)).toEqual({});
  });

  it("stores all copies or none: a failure in the middle leaves nothing behind", async () => {
    // A blob store whose second put fails, mid-transaction, after the first copy was written.
    let puts = 0;
    const failing: BlobStore = {
      ...tableBlobStore,
      put: async (q, bytes, now) => {
        if (++puts === 2) throw new Error("disk full");
        return tableBlobStore.put(q, bytes, now);
      },
    };
    const own = await freshStore(backend, { blobs: failing });
    try {
      const { account: a } = await own.store.accounts.add("atomic@atomic.example", {
        password: "pw",
        createDomain: true,
      });
      await own.store.rules.add(
        { accountId: a.id },
        {
          name: "two",
          actions: [
            { action: "Store in", argument: "One" },
            { action: "Store in", argument: "Two" },
          ],
        },
      );
      await expect(own.store.deliver(a, message({ Subject: "x" }))).rejects.toThrow("disk full");
      expect(puts).toBe(2);
      expect(await storeInternals(own.store).db.selectFrom("messages").select("id").execute()).toEqual([]);
      expect(await storeInternals(own.store).db.selectFrom("message_blobs").select("id").execute()).toEqual(
        [],
      );
      // The mailboxes the rule made inside the failed transaction are gone too.
      expect(await own.store.mailboxes.get(a.id, "One")).toBeUndefined();
    } finally {
      await own.cleanup();
    }
  });
});
