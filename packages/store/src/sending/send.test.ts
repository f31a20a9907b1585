import { createCa, type Identity, issueUserCertificate, openMessage } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { HEADER_CAPTURE_BYTES, type MessageSource } from "../mail/incoming-message.js";
import type { Store } from "../open-store.js";
import { decodeOutgoing } from "../outgoing/outgoing-message.js";

const SECRET = Buffer.from("another test server secret, long enough");
let carol: Identity;
let erin: Identity;

beforeAll(async () => {
  // Remote correspondents with certificates from a foreign CA (keys kept to check what they can read).
  const foreign = await createCa({ name: "Elsewhere CA", keyAlgorithm: "EC-P256" });
  const c = await issueUserCertificate(foreign, { email: "carol@elsewhere.example", name: "Carol" });
  const e = await issueUserCertificate(foreign, {
    email: "erin@elsewhere.example",
    name: "Erin",
    keyAlgorithm: "EC-P256",
  });
  carol = { privateKey: c.privateKey!, certificate: c.certificate, chain: c.chain };
  erin = { privateKey: e.privateKey!, certificate: e.certificate, chain: e.chain };
}, 60_000);

describe.each(backends)("send on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let bob: Account;
  let bobKeys: Identity[];

  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: SECRET });
    store = fresh.store;
    alice = (
      await store.accounts.add("alice@send.example", {
        password: "pw",
        realName: "Alice",
        createDomain: true,
      })
    ).account;
    bob = (await store.accounts.add("bob@send.example", { password: "pw" })).account;
    await store.secureMail.generate(alice.id, "alice pw", { keyAlgorithm: "EC-P256" });
    await store.secureMail.generate(bob.id, "bob secure pw", { keyAlgorithm: "EC-P256" });
    bobKeys = await store.secureMail.identities(bob.id, "bob secure pw");
    await store.contactCertificates.take(alice.id, carol.certificate);
    await store.contactCertificates.take(alice.id, erin.certificate);
  }, 120_000);
  afterAll(() => fresh.cleanup());

  async function queued(jobId: string) {
    const job = await store.jobs.get(jobId);
    return decodeOutgoing(job!.payload!);
  }

  it("sends plain mail: Sent copy, local delivery, one queued job for the remote recipients, no Bcc anywhere", async () => {
    const raw = message({
      From: "alice@send.example",
      To: "bob@send.example, carol@elsewhere.example",
      Bcc: "erin@elsewhere.example",
      Subject: "plain",
    });
    const result = await store.send(alice.id, raw);
    expect(result.security).toBe("plain");
    expect(result.local).toEqual([{ address: "bob@send.example", stored: 1 }]);
    expect(result.queued.map((q) => q.recipients)).toEqual([
      ["carol@elsewhere.example"],
      ["erin@elsewhere.example"],
    ]);
    const job = await queued(result.queued[0]!.jobId);
    expect(job.envelopeFrom).toBe("alice@send.example");
    const text = Buffer.from(job.raw).toString();
    expect(text).not.toMatch(/^Bcc:/im);
    expect(text).toMatch(/^Message-ID: </m);
    expect(text).toMatch(/^Date: /m);
    const sent = await store.messages.get(alice.id, result.sentId);
    expect(sent.flags).toContain("seen");
  });

  it("encrypts to every recipient and the sender; each Bcc gets a copy only it (and the sender) can read", async () => {
    const raw = message(
      {
        From: "alice@send.example",
        To: "bob@send.example, carol@elsewhere.example",
        Bcc: "erin@elsewhere.example",
        Subject: "sealed",
      },
      "for your eyes\r\n",
    );
    const result = await store.send(alice.id, raw, { sign: true, encrypt: true, securePassword: "alice pw" });
    expect(result).toMatchObject({ security: "signed+encrypted", cipher: "AES-256-CBC" });
    const aliceKeys = await store.secureMail.identities(alice.id, "alice pw");
    const ca = await store.ca.ensure();

    // Sent copy: readable by Alice, signed by Alice, valid under the server CA.
    const sentRaw = await store.messages.raw(alice.id, result.sentId);
    const sentOpen = await openMessage(sentRaw, { identities: aliceKeys, trust: [ca.certificate] });
    expect(sentOpen.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    expect(sentOpen.layers[0]).toMatchObject({ recipients: 3 });
    const signed = sentOpen.layers[1];
    expect(signed?.type === "signed" && signed.signers[0]?.status).toBe("valid");

    // Carol reads the main copy; it never names Erin.
    const main = await queued(
      result.queued.find((q) => q.recipients.includes("carol@elsewhere.example"))!.jobId,
    );
    const carolOpen = await openMessage(main.raw, { identities: [carol] });
    expect(Buffer.from(carolOpen.content).toString()).toContain("for your eyes");
    expect(Buffer.from(carolOpen.content).toString()).not.toContain("erin");
    await expect(openMessage(main.raw, { identities: [erin] })).rejects.toMatchObject({
      code: "not-a-recipient",
    });

    // Erin's own copy: two recipients (Erin and Alice).
    const bccCopy = await queued(
      result.queued.find((q) => q.recipients.includes("erin@elsewhere.example"))!.jobId,
    );
    const erinOpen = await openMessage(bccCopy.raw, { identities: [erin] });
    expect(erinOpen.layers[0]).toMatchObject({ type: "encrypted", recipients: 2 });

    // Bob got it locally and can read it.
    const inbox = (await store.mailboxes.list(bob.id)).find((m) => m.name === "INBOX")!;
    const page = await store.listMessages(bob.id, inbox.id);
    const bobCopy = page.messages.find((m) => m.subject === "sealed")!;
    expect(bobCopy.security).toBe("encrypted");
    const bobOpen = await openMessage(await store.messages.raw(bob.id, bobCopy.id), { identities: bobKeys });
    expect(Buffer.from(bobOpen.content).toString()).toContain("for your eyes");
  });

  it("with the domain's Hide Subject, the outer Subject of every encrypted copy reads [...] and the encrypted one is real", async () => {
    await store.domains.set("send.example", { hideSubjectWhenEncrypting: true });
    try {
      const raw = message({
        From: "alice@send.example",
        To: "bob@send.example, carol@elsewhere.example",
        Subject: "the real subject",
      });
      const result = await store.send(alice.id, raw, { encrypt: true });
      const aliceKeys = await store.secureMail.identities(alice.id, "alice pw");
      const sentRaw = Buffer.from(await store.messages.raw(alice.id, result.sentId));
      const inbox = await store.mailboxes.require(bob.id, "INBOX");
      const page = await store.listMessages(bob.id, inbox.id, { limit: 1 });
      const bobRaw = Buffer.from(await store.messages.raw(bob.id, page.messages[0]!.id));
      const remoteRaw = Buffer.from((await queued(result.queued[0]!.jobId)).raw);
      for (const copy of [sentRaw, bobRaw, remoteRaw]) {
        const outer = copy.toString("latin1").split("\r\n\r\n")[0] as string;
        expect(outer).toMatch(/^Subject: \[\.\.\.\]$/m);
        expect(outer).not.toContain("the real subject");
      }
      const opened = await openMessage(sentRaw, { identities: aliceKeys });
      expect(Buffer.from(opened.content).toString()).toMatch(/^Subject: the real subject\r?$/m);
      expect(page.messages[0]?.subject).toBe("[...]");
    } finally {
      await store.domains.set("send.example", { hideSubjectWhenEncrypting: false });
    }
  });

  it("stops an encrypted send naming every recipient without a usable certificate", async () => {
    const raw = message({
      From: "alice@send.example",
      To: "dave@nowhere.example, carol@elsewhere.example, zed@nowhere.example",
    });
    const queuedBefore = (await store.jobs.stats()).queued;
    await expect(store.send(alice.id, raw, { encrypt: true })).rejects.toMatchObject({
      code: "missing-certificates",
      message: expect.stringMatching(/dave@nowhere\.example \(no certificate\).*zed@nowhere\.example/),
    });
    // Nothing was sent or queued.
    expect((await store.jobs.stats()).queued).toBe(queuedBefore);
  });

  it("a Bcc repeating a To address in other letter case is one recipient with one copy", async () => {
    const raw = message({
      From: "alice@send.example",
      To: "Bob@Send.example",
      Bcc: "bob@SEND.EXAMPLE",
      Subject: "once",
    });
    const result = await store.send(alice.id, raw, { encrypt: true });
    expect(result.local).toEqual([{ address: "Bob@Send.example", stored: 1 }]);
    expect(result.queued).toEqual([]);
  });

  it("an explicit cipher must be one the domain allows", async () => {
    const raw = message({ From: "alice@send.example", To: "bob@send.example", Subject: "legacy" });
    for (const cipher of ["3DES-CBC", "RC2(40bit)"] as const)
      await expect(store.send(alice.id, raw, { encrypt: true, cipher })).rejects.toMatchObject({
        code: "forbidden",
        message: expect.stringContaining(`${cipher} is not allowed in send.example`),
      });
    const gcm = await store.send(alice.id, raw, { encrypt: true, cipher: "AES-128-GCM" });
    expect(gcm).toMatchObject({ security: "encrypted", cipher: "AES-128-GCM" });
  });

  /** A large message as `sealbox send` hands it over: read in odd-sized chunks, never whole. */
  function chunkedSource(bytes: Buffer, chunk = 65_521): MessageSource & { reads: number } {
    const source = {
      reads: 0,
      head: bytes.subarray(0, HEADER_CAPTURE_BYTES),
      size: bytes.length,
      async *open() {
        source.reads++;
        for (let at = 0; at < bytes.length; at += chunk) yield Buffer.from(bytes.subarray(at, at + chunk));
      },
    };
    return source;
  }

  async function bytesOf(stream: Uint8Array | AsyncIterable<Uint8Array>): Promise<Buffer> {
    if (stream instanceof Uint8Array) return Buffer.from(stream);
    const parts: Buffer[] = [];
    for await (const p of stream) parts.push(Buffer.from(p));
    return Buffer.concat(parts);
  }

  it("streams a large message (over one blob chunk): the Sent copy owns the staged copy, Bcc is cut across chunk edges", async () => {
    // A folded field in front puts the Bcc field across the first chunk's edge (65,521 bytes):
    // the cut must continue into the next chunk.
    const lead = "From: alice@send.example\r\nTo: bob@send.example, carol@elsewhere.example\r\nX-Pad: ";
    let padLength = 65_500 - lead.length - 2;
    const lines: string[] = [];
    while (padLength > 0) {
      const line = "x".repeat(Math.min(78, padLength));
      lines.push(line);
      padLength -= line.length + 3;
    }
    const pad = lines.join("\r\n ");
    const body = Buffer.alloc(3 * 1024 * 1024 + 123, "0123456789abcdef\r\n");
    const raw = Buffer.concat([
      message({
        From: "alice@send.example",
        To: "bob@send.example, carol@elsewhere.example",
        "X-Pad": pad,
        Bcc: "erin@elsewhere.example,\r\n nobody@elsewhere.example",
        Subject: "large plain",
      }).subarray(0, -"Hello.\r\n".length),
      body,
    ]);
    const bccAt = raw.indexOf("Bcc:");
    expect(bccAt).toBeLessThan(65_521);
    expect(bccAt + 60).toBeGreaterThan(65_521);
    const source = chunkedSource(raw);
    const result = await store.send(alice.id, source);
    expect(result.security).toBe("plain");
    expect(result.local).toEqual([{ address: "bob@send.example", stored: 1 }]);

    const sent = await bytesOf((await store.messages.rawStream(alice.id, result.sentId)).stream);
    const text = sent.toString("latin1");
    expect(text).not.toMatch(/^Bcc:/im);
    expect(text).not.toContain("nobody@");
    expect(text).toContain(`X-Pad: ${pad}\r\nSubject: large plain\r\n\r\n0123`);
    expect(text).toMatch(/^Message-ID: </m);
    expect(text).toMatch(/^Subject: large plain\r\n/m);
    expect(sent.subarray(sent.length - body.length).equals(body)).toBe(true);
    // Bob's copy and the remote job's bytes are the same bytes as the Sent copy.
    const inbox = (await store.mailboxes.list(bob.id)).find((m) => m.name === "INBOX")!;
    const bobCopy = (await store.listMessages(bob.id, inbox.id)).messages.find(
      (m) => m.subject === "large plain",
    )!;
    expect((await bytesOf((await store.messages.rawStream(bob.id, bobCopy.id)).stream)).equals(sent)).toBe(
      true,
    );
    const carolJob = await store.jobs.get(
      result.queued.find((q) => q.recipients.includes("carol@elsewhere.example"))!.jobId,
    );
    const queuedCopy = await store.outgoing.open(carolJob!);
    expect((await bytesOf(queuedCopy.content())).equals(sent)).toBe(true);
    // One read of the source for the one distinct copy (the Bcc recipients get the same bytes).
    expect(source.reads).toBe(1);
  });

  it("streams a large signed+encrypted send: every copy opens to the original body", async () => {
    const body = Buffer.alloc(2 * 1024 * 1024 + 7, "large and secret\r\n");
    const raw = Buffer.concat([
      message({
        From: "alice@send.example",
        To: "bob@send.example, carol@elsewhere.example",
        Subject: "large sealed",
      }).subarray(0, -"Hello.\r\n".length),
      body,
    ]);
    const result = await store.send(alice.id, chunkedSource(raw), {
      sign: true,
      encrypt: true,
      securePassword: "alice pw",
    });
    expect(result).toMatchObject({ security: "signed+encrypted", cipher: "AES-256-CBC" });
    const aliceKeys = await store.secureMail.identities(alice.id, "alice pw");
    const ca = await store.ca.ensure();
    const sent = await bytesOf((await store.messages.rawStream(alice.id, result.sentId)).stream);
    const opened = await openMessage(sent, { identities: aliceKeys, trust: [ca.certificate] });
    expect(opened.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    const signed = opened.layers[1];
    expect(signed?.type === "signed" && signed.signers[0]?.status).toBe("valid");
    expect(Buffer.from(opened.content).includes(body)).toBe(true);
    const job = await store.outgoing.open((await store.jobs.get(result.queued[0]!.jobId))!);
    const carolOpen = await openMessage(await bytesOf(job.content()), { identities: [carol] });
    expect(Buffer.from(carolOpen.content).includes(body)).toBe(true);
    const summary = await store.messages.get(alice.id, result.sentId);
    expect(summary).toMatchObject({
      security: "signed+encrypted",
      cipher: "AES-256-CBC",
      subject: "large sealed",
    });
  });

  it("a message with an mbox From line in front (a piped mbox extract) is sent from its first field on", async () => {
    for (const [encrypt, bodyBytes] of [
      [false, 100],
      [true, 100],
      [false, 2 * 1024 * 1024],
    ] as const) {
      const raw = Buffer.concat([
        Buffer.from("From alice@send.example Sat Dec  5 10:00:00 2026\r\n"),
        message(
          {
            From: "alice@send.example",
            To: "carol@elsewhere.example",
            Bcc: "erin@elsewhere.example",
            Subject: "mbox",
          },
          "",
        ),
        Buffer.alloc(bodyBytes, "z"),
      ]);
      const source = raw.length > 1024 * 1024 ? chunkedSource(raw) : raw;
      const result = await store.send(alice.id, source, encrypt ? { encrypt: true } : {});
      expect(result.queued.map((q) => q.recipients)).toEqual([
        ["carol@elsewhere.example"],
        ["erin@elsewhere.example"],
      ]);
      const job = await store.outgoing.open((await store.jobs.get(result.queued[0]!.jobId))!);
      const sentBytes = await bytesOf(job.content());
      const text = sentBytes.toString("latin1");
      expect(text).not.toMatch(/^From alice@/m);
      expect(text).not.toContain("erin@elsewhere.example");
      if (encrypt) {
        const opened = await openMessage(sentBytes, { identities: [carol] });
        const inner = Buffer.from(opened.content).toString("latin1");
        expect(inner).toMatch(/^From: alice@send\.example\r\n/m);
        expect(inner).not.toContain("erin@elsewhere.example");
        expect(inner).not.toMatch(/^From alice@/m);
      } else {
        expect(text).toMatch(/^Message-ID: <[^>]+>\r\nDate: |^Date: .*\r\nMessage-ID: /m);
        expect(text).toContain("\r\nSubject: mbox\r\n\r\nzzz");
        expect(sentBytes.subarray(sentBytes.length - bodyBytes).equals(Buffer.alloc(bodyBytes, "z"))).toBe(
          true,
        );
      }
    }
  });

  it("needs the Secure Mail Password to sign", async () => {
    const raw = message({ From: "alice@send.example", To: "bob@send.example" });
    await expect(store.send(alice.id, raw, { sign: true })).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await expect(store.send(alice.id, raw, { sign: true, securePassword: "nope" })).rejects.toMatchObject({
      code: "wrong-password",
    });
  });
});
