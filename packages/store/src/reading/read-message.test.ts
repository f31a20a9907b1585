import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Certificate,
  children,
  createCa,
  der,
  encryptWholeMessage,
  type Identity,
  issueUserCertificate,
  protectMessage,
  readRoot,
  type SignerStatus,
  type Tlv,
} from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message, testClock } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import type { Store } from "../open-store.js";
import {
  encryptedBanner,
  signedBanner,
  signerDisplay,
  signerProblem,
  timeLeft,
  WORDS,
} from "./secure-mail-words.js";

const SECRET = Buffer.from("reading test server secret, long enough");
const PW = "reading secure mail password";
const DOMAIN = "read.example";

describe("secure mail words", () => {
  it("names the banners the way users know them", () => {
    expect(signedBanner("Text", "SHA-256")).toBe("Signed Data (Text SHA-256)");
    expect(signedBanner("Multipart", "SHA-384")).toBe("Signed Data (Multipart SHA-384)");
    expect(encryptedBanner("AES-256-CBC")).toBe("Encrypted AES-256-CBC");
    expect(encryptedBanner("RC2(40bit)")).toBe("Encrypted RC2(40bit)");
    expect(WORDS.verifiedBy).toBe("Content Unaltered as Verified By:");
    expect(WORDS.locked).toBe("Secure Mail is Locked");
  });

  it("shows a signer as Name <address>, or what the certificate has", () => {
    expect(signerDisplay("Bob Sender", "bob@read.example")).toBe("Bob Sender <bob@read.example>");
    expect(signerDisplay(null, "bob@read.example")).toBe("<bob@read.example>");
    expect(signerDisplay("Bob Sender", null)).toBe("Bob Sender");
    expect(signerDisplay(null, null)).toBe("an unnamed signer");
    // A certificate with an empty common name is shown by its address, not as nothing.
    expect(signerDisplay("", "bob@read.example")).toBe("<bob@read.example>");
    expect(signerDisplay("", "")).toBe("an unnamed signer");
  });

  it("has distinct words for every signer status", () => {
    const statuses: SignerStatus[] = [
      "bad-signature",
      "revoked",
      "expired",
      "not-yet-valid",
      "untrusted",
      "wrong-usage",
      "weak-algorithm",
      "address-mismatch",
      "valid",
    ];
    const words = statuses.map(signerProblem);
    expect(new Set(words).size).toBe(statuses.length);
    for (const w of words) expect(w).toMatch(/^The .+\.$/);
    expect(signerProblem("unheard-of" as SignerStatus)).toBe("The signature could not be verified.");
  });

  it("counts the time left in minutes and whole seconds, never below zero", () => {
    expect(timeLeft(0)).toBe("0 s");
    expect(timeLeft(-5000)).toBe("0 s");
    expect(timeLeft(1)).toBe("1 s");
    expect(timeLeft(59_001)).toBe("1 min 0 s");
    expect(timeLeft(125_000)).toBe("2 min 5 s");
    expect(timeLeft(180_000)).toBe("3 min 0 s");
  });
});

/** multipart/alternative text + HTML, and a binary attachment. */
function plainWithAttachment(bytes: Buffer): Buffer {
  const b64 = bytes.toString("base64").replace(/.{1,76}/g, "$&\r\n");
  return Buffer.from(
    [
      "From: Carol <carol@elsewhere.example>",
      `To: alice@${DOMAIN}`,
      "Subject: holiday pictures",
      "Date: Fri, 27 Nov 2026 10:00:00 +0000",
      "Message-ID: <pics@elsewhere.example>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="outer"',
      "",
      "--outer",
      'Content-Type: multipart/alternative; boundary="alt"',
      "",
      "--alt",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "See the pictures.",
      "--alt",
      "Content-Type: text/html; charset=utf-8",
      "",
      "<p>See the <b>pictures</b>.</p>",
      "--alt--",
      "--outer",
      'Content-Type: application/octet-stream; name="data.bin"',
      'Content-Disposition: attachment; filename="data.bin"',
      "Content-Transfer-Encoding: base64",
      "",
      b64.trimEnd(),
      "--outer--",
      "",
    ].join("\r\n"),
  );
}

describe.each(backends)("reading messages on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let bob: Account;
  let carl: Account;
  let bobKey: Identity;
  let foreignCa: Identity;
  let dave: Identity;
  let aliceFirst: Certificate;
  let inbox: string;
  const clock = testClock(Date.now());

  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: SECRET, now: clock.now });
    store = fresh.store;
    alice = (
      await store.accounts.add(`alice@${DOMAIN}`, {
        password: "pw",
        realName: "Alice Reader",
        createDomain: true,
      })
    ).account;
    bob = (await store.accounts.add(`bob@${DOMAIN}`, { password: "pw", realName: "Bob Sender" })).account;
    carl = (await store.accounts.add(`carl@${DOMAIN}`, { password: "pw", realName: "Carl Revoked" })).account;
    await store.secureMail.generate(alice.id, PW, { keyAlgorithm: "EC-P256" });
    await store.secureMail.generate(bob.id, PW, { keyAlgorithm: "EC-P256" });
    bobKey = (await store.secureMail.identities(bob.id, PW))[0]!;
    aliceFirst = (await store.secureMail.currentCertificate(alice.id))!.certificate;
    foreignCa = await createCa({ name: "Elsewhere CA", keyAlgorithm: "EC-P256" });
    const d = await issueUserCertificate(foreignCa, {
      email: "dave@elsewhere.example",
      name: "Dave Foreign",
      keyAlgorithm: "EC-P256",
    });
    dave = { privateKey: d.privateKey!, certificate: d.certificate, chain: d.chain };
    inbox = (await store.mailboxes.require(alice.id, "INBOX")).id;
  }, 120_000);
  afterAll(() => fresh.cleanup());

  const append = async (raw: Uint8Array) => (await store.messages.append(alice.id, inbox, raw)).id;
  const signedBy = (identity: Identity, from: string, body: string, subject = "signed") =>
    protectMessage(message({ From: from, To: `alice@${DOMAIN}`, Subject: subject }, body), {
      sign: { identity },
    });
  const unlockedSession = async (account: Account) => {
    const { token } = await store.sessions.create(account.id);
    await store.secureMail.unlock(account.id, token, PW);
    return { sessionToken: token };
  };

  it("reads a plain message: headers, text, HTML, attachments with their exact bytes", async () => {
    const bytes = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 37) % 256));
    const id = await append(plainWithAttachment(bytes));
    const view = await store.reading.read(alice.id, id);
    expect(view).toMatchObject({
      state: "plain",
      failure: null,
      layers: [],
      headers: {
        subject: "holiday pictures",
        from: "Carol <carol@elsewhere.example>",
        to: `alice@${DOMAIN}`,
        messageId: "<pics@elsewhere.example>",
      },
    });
    expect(view.text?.trim()).toBe("See the pictures.");
    expect(view.html).toContain("<b>pictures</b>");
    expect(view.attachments).toEqual([
      {
        index: 0,
        filename: "data.bin",
        contentType: "application/octet-stream",
        size: 700,
        inline: false,
        contentId: null,
        smime: false,
      },
    ]);
    const attachment = await store.reading.attachment(alice.id, id, 0);
    expect(attachment.filename).toBe("data.bin");
    expect(attachment.contentType).toBe("application/octet-stream");
    expect(Buffer.from(attachment.content).equals(bytes)).toBe(true);
    await expect(store.reading.attachment(alice.id, id, 1)).rejects.toMatchObject({ code: "not-found" });
    // Another account cannot read it.
    await expect(store.reading.read(bob.id, id)).rejects.toMatchObject({ code: "not-found" });
  });

  it("markSeen sets the seen flag; reading without it does not", async () => {
    const id = await append(message({ From: "x@elsewhere.example", Subject: "unseen" }));
    expect((await store.reading.read(alice.id, id)).summary.flags).not.toContain("seen");
    expect((await store.messages.get(alice.id, id)).flags).not.toContain("seen");
    expect((await store.reading.read(alice.id, id, { markSeen: true })).summary.flags).toContain("seen");
    expect((await store.messages.get(alice.id, id)).flags).toContain("seen");
  });

  it("shows a message signed with a server CA key as verified, with the signer from the certificate", async () => {
    const id = await append(
      await signedBy(bobKey, `"Someone Else" <bob@${DOMAIN}>`, "pay 100 EUR to Carol\r\n"),
    );
    const view = await store.reading.read(alice.id, id);
    expect(view.state).toBe("opened");
    expect(view.layers).toHaveLength(1);
    expect(view.layers[0]).toMatchObject({
      type: "signed",
      form: "detached",
      digest: "SHA-256",
      content: "Text",
      banner: "Signed Data (Text SHA-256)",
      verified: true,
    });
    const layer = view.layers[0]!;
    if (layer.type !== "signed") throw new Error("not a signed layer");
    expect(layer.signers).toHaveLength(1);
    expect(layer.signers[0]).toMatchObject({
      index: 0,
      name: "Bob Sender",
      email: `bob@${DOMAIN}`,
      display: `Bob Sender <bob@${DOMAIN}>`,
      status: "valid",
      valid: true,
      problem: null,
      digest: "SHA-256",
    });
    expect(layer.signers[0]!.certificate?.sha256).toBe(bobKey.certificate.sha256);
    expect(view.text?.trim()).toBe("pay 100 EUR to Carol");
    // The header's display name is what the message claims; the banner names the certificate.
    expect(view.headers.from).toBe(`Someone Else <bob@${DOMAIN}>`);
  });

  it("shows the From the signature was checked against, not one the signed part carries (openssl-made)", async () => {
    // Bob signs a part that claims, in its own header, to come from Carl; the envelope says Bob.
    const dir = mkdtempSync(join(tmpdir(), "sealbox-read-"));
    try {
      writeFileSync(join(dir, "key.pem"), bobKey.privateKey.export({ format: "pem", type: "pkcs8" }));
      writeFileSync(join(dir, "cert.pem"), new X509Certificate(bobKey.certificate.der).toString());
      writeFileSync(
        join(dir, "part.txt"),
        `From: Carl <carl@${DOMAIN}>\r\nSubject: from Carl\r\nContent-Type: text/plain\r\n\r\nsigned by Bob\r\n`,
      );
      const signed = execFileSync("openssl", [
        ...["cms", "-sign", "-binary", "-in", join(dir, "part.txt")],
        ...["-signer", join(dir, "cert.pem"), "-inkey", join(dir, "key.pem")],
      ]);
      const raw = Buffer.concat([
        Buffer.from(`From: Bob Sender <bob@${DOMAIN}>\r\nTo: alice@${DOMAIN}\r\nSubject: from Bob\r\n`),
        signed,
      ]);
      const view = await store.reading.read(alice.id, await append(raw));
      const layer = view.layers[0];
      expect(layer?.type === "signed" && layer.signers[0]?.status).toBe("valid");
      expect(view.headers.from).toBe(`Bob Sender <bob@${DOMAIN}>`);
      expect(view.headers.subject).toBe("from Bob");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names a signed part that is neither text nor multipart by its media type", async () => {
    const raw = Buffer.from(
      `From: bob@${DOMAIN}\r\nTo: alice@${DOMAIN}\r\nSubject: a signed PDF\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n`,
    );
    const id = await append(await protectMessage(raw, { sign: { identity: bobKey } }));
    const layer = (await store.reading.read(alice.id, id)).layers[0]!;
    expect(layer).toMatchObject({ banner: "Signed Data (application/pdf SHA-256)", verified: true });
  });

  it("shows altered content as a bad signature, in words", async () => {
    const signed = Buffer.from(await signedBy(bobKey, `bob@${DOMAIN}`, "pay 100 EUR to Carol\r\n"));
    const at = signed.indexOf("pay 100 EUR");
    expect(at).toBeGreaterThan(0);
    signed[at + 4] = "9".charCodeAt(0);
    const view = await store.reading.read(alice.id, await append(signed));
    expect(view.state).toBe("opened");
    expect(view.text).toContain("pay 900 EUR");
    const layer = view.layers[0]!;
    if (layer.type !== "signed") throw new Error("not a signed layer");
    expect(layer.verified).toBe(false);
    expect(layer.banner).toBe("Signed Data (Text SHA-256)");
    expect(layer.signers[0]).toMatchObject({
      status: "bad-signature",
      valid: false,
      problem: signerProblem("bad-signature"),
      display: `Bob Sender <bob@${DOMAIN}>`,
    });
    expect(layer.signers[0]!.reason.length).toBeGreaterThan(0);
  });

  it("judges a signer from an unknown CA untrusted, and valid once the domain trusts that CA", async () => {
    const id = await append(await signedBy(dave, "dave@elsewhere.example", "from abroad\r\n"));
    const before = (await store.reading.read(alice.id, id)).layers[0]!;
    if (before.type !== "signed") throw new Error("not a signed layer");
    expect(before.verified).toBe(false);
    expect(before.signers[0]).toMatchObject({
      status: "untrusted",
      problem: signerProblem("untrusted"),
      display: "Dave Foreign <dave@elsewhere.example>",
    });
    // Judged at reading time: the same stored message verifies once the anchor is configured.
    await store.trustAnchors.add(DOMAIN, foreignCa.certificate);
    const after = (await store.reading.read(alice.id, id)).layers[0]!;
    if (after.type !== "signed") throw new Error("not a signed layer");
    expect(after.verified).toBe(true);
    expect(after.signers[0]).toMatchObject({ status: "valid", problem: null });
    // Another domain's anchors do not count.
    const other = (
      await store.accounts.add("olga@other-read.example", { password: "pw", createDomain: true })
    ).account;
    const otherInbox = (await store.mailboxes.require(other.id, "INBOX")).id;
    const copy = await store.messages.append(other.id, otherInbox, await store.messages.raw(alice.id, id));
    const elsewhere = (await store.reading.read(other.id, copy.id)).layers[0]!;
    if (elsewhere.type !== "signed") throw new Error("not a signed layer");
    expect(elsewhere.signers[0]!.status).toBe("untrusted");
    // And no longer trusted the moment the anchor is removed (its parsed copy must not linger).
    await store.trustAnchors.removeBySha256(DOMAIN, foreignCa.certificate.sha256);
    const removed = (await store.reading.read(alice.id, id)).layers[0]!;
    if (removed.type !== "signed") throw new Error("not a signed layer");
    expect(removed.signers[0]!.status).toBe("untrusted");
    // Trusted again once added back, from the parsed copy or not.
    await store.trustAnchors.add(DOMAIN, foreignCa.certificate);
    const again = (await store.reading.read(alice.id, id)).layers[0]!;
    if (again.type !== "signed") throw new Error("not a signed layer");
    expect(again.signers[0]!.status).toBe("valid");
  });

  it("a signed part inside a list's multipart/mixed: the banner and the verified line name that part only", async () => {
    const signed = Buffer.from(
      await signedBy(bobKey, `Bob <bob@${DOMAIN}>`, "the signed words\r\n", "to the list"),
    ).toString("latin1");
    const [head = "", body = ""] = signed.split(/\r\n\r\n(.*)/s);
    const contentType = /^Content-Type:.*(?:\r\n[ \t].*)*/im.exec(head)?.[0];
    expect(contentType).toMatch(/multipart\/signed/i);
    const listed = Buffer.from(
      `From: Bob <bob@${DOMAIN}>\r\nTo: list@${DOMAIN}\r\nSubject: to the list\r\nMIME-Version: 1.0\r\n` +
        'Content-Type: multipart/mixed; boundary="LIST"\r\n\r\n' +
        `--LIST\r\n${contentType}\r\n\r\n${body}\r\n--LIST\r\nContent-Type: text/plain\r\n\r\n` +
        "unsigned footer added by the list\r\n--LIST--\r\n",
      "latin1",
    );
    const view = await store.reading.read(alice.id, await append(listed));
    const layer = view.layers[0]!;
    if (layer.type !== "signed") throw new Error("not a signed layer");
    expect(layer).toMatchObject({
      scope: "part",
      path: "1",
      banner: "Signed Part 1 (Text SHA-256)",
      verifiedBy: "Part 1 Unaltered as Verified By:",
      verified: true,
    });
    expect(JSON.stringify(view.layers)).not.toContain("Content Unaltered");
  });

  it("a replaced key (superseded) keeps what it signed before; after that, and after a compromise, the signer is revoked", async () => {
    await store.secureMail.generate(carl.id, PW, { keyAlgorithm: "EC-P256" });
    const [carlKey] = await store.secureMail.identities(carl.id, PW);
    const signedAt = (offsetMs: number, subject: string) =>
      protectMessage(
        message({ From: `carl@${DOMAIN}`, To: `alice@${DOMAIN}`, Subject: subject }, `${subject}\r\n`),
        {
          // Whole seconds, as the signingTime attribute holds them; on the store's clock.
          sign: {
            identity: carlKey!,
            signingTime: new Date(Math.floor(clock.now() / 1000) * 1000 + offsetMs),
          },
        },
      );
    const before = await append(await signedAt(-1000, "signed before the key was replaced"));
    const signerOf = async (id: string) => {
      const layer = (await store.reading.read(alice.id, id)).layers[0]!;
      if (layer.type !== "signed") throw new Error("not a signed layer");
      return { verified: layer.verified, signer: layer.signers[0]! };
    };
    expect((await signerOf(before)).signer.status).toBe("valid");
    // Generate again: the old certificate is revoked as superseded, not as compromised.
    await store.secureMail.generate(carl.id, PW, { keyAlgorithm: "EC-P256" });
    expect(await signerOf(before)).toMatchObject({ verified: true, signer: { status: "valid" } });
    // The retired key signing after its retirement is not believed.
    const after = await append(await signedAt(60_000, "signed after the key was replaced"));
    const late = await signerOf(after);
    expect(late.verified).toBe(false);
    expect(late.signer).toMatchObject({
      status: "revoked",
      valid: false,
      problem: signerProblem("revoked"),
      reason: "the server CA revoked this certificate",
    });
    // A key compromise reaches back: what it signed before is revoked too.
    // (Revoking it again is refused unless the new reason is a compromise.)
    await expect(
      store.ca.revokeCertificate({ sha256: carlKey!.certificate.sha256 }, "superseded"),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(
      await store.ca.revokeCertificate({ sha256: carlKey!.certificate.sha256 }, "keyCompromise"),
    ).toMatchObject({ reason: "keyCompromise" });
    expect(await signerOf(before)).toMatchObject({ verified: false, signer: { status: "revoked" } });
  });

  it("returns nothing of an encrypted message while locked; opens it with the session", async () => {
    const marker = "the-plaintext-marker-4711";
    const raw = message(
      { From: "carol@elsewhere.example", To: `alice@${DOMAIN}`, Subject: "the real subject" },
      `${marker}\r\n`,
    );
    const sealed = await encryptWholeMessage(raw, { recipients: [aliceFirst], hideSubject: true });
    const id = await append(sealed);
    const lockedViews = [
      await store.reading.read(alice.id, id, { markSeen: true }),
      // A session that was never unlocked is locked too.
      await store.reading.read(alice.id, id, {
        access: { sessionToken: (await store.sessions.create(alice.id)).token },
      }),
    ];
    for (const view of lockedViews) {
      expect(view).toMatchObject({
        state: "locked",
        failure: null,
        layers: [],
        text: null,
        html: null,
        attachments: [],
      });
      // The envelope says "[...]" (hideSubject, RFC 9788); the listing shows the same.
      expect(view.headers.subject).toBe("[...]");
      expect(view.summary.subject).toBe("[...]");
      expect(view.headers.from).toBe("carol@elsewhere.example");
      expect(JSON.stringify(view)).not.toContain(marker);
      expect(JSON.stringify(view)).not.toContain("the real subject");
      expect(view.summary.flags).not.toContain("seen");
    }
    await expect(store.reading.attachment(alice.id, id, 0)).rejects.toMatchObject({ code: "locked" });

    const access = await unlockedSession(alice);
    const view = await store.reading.read(alice.id, id, { access, markSeen: true });
    expect(view.state).toBe("opened");
    expect(view.layers).toEqual([
      {
        type: "encrypted",
        kind: "enveloped",
        cipher: "AES-256-CBC",
        recipients: 1,
        banner: "Encrypted AES-256-CBC",
      },
    ]);
    // Once decrypted, the inner header's real Subject is what the web and the terminal show.
    expect(view.headers.subject).toBe("the real subject");
    expect(view.summary.subject).toBe("[...]");
    expect(view.summary.cipher).toBe("AES-256-CBC");
    expect(view.headers.from).toBe("carol@elsewhere.example");
    expect(view.text).toContain(marker);
    expect(view.summary.flags).toContain("seen");
    // The password works as the access too.
    expect((await store.reading.read(alice.id, id, { access: PW })).text).toContain(marker);
  });

  it("names the message's real cipher in the banner", async () => {
    const sealed = await encryptWholeMessage(message({ Subject: "gcm" }, "authenticated\r\n"), {
      recipients: [aliceFirst],
      cipher: "AES-256-GCM",
    });
    const view = await store.reading.read(alice.id, await append(sealed), {
      access: await unlockedSession(alice),
    });
    expect(view.layers[0]).toMatchObject({
      kind: "authEnveloped",
      cipher: "AES-256-GCM",
      banner: "Encrypted AES-256-GCM",
    });
  });

  it("opens signed-then-encrypted mail sent by a local user: two layers, encrypted then signed", async () => {
    const sent = await store.send(
      bob.id,
      message(
        { From: `Bob Sender <bob@${DOMAIN}>`, To: `alice@${DOMAIN}`, Subject: "signed and sealed" },
        "both layers\r\n",
      ),
      { sign: true, encrypt: true, securePassword: PW },
    );
    expect(sent.security).toBe("signed+encrypted");
    const page = await store.listMessages(alice.id, inbox, {
      search: { text: "signed and sealed", in: "subject" },
    });
    expect(page.messages).toHaveLength(1);
    const id = page.messages[0]!.id;
    expect((await store.reading.read(alice.id, id)).state).toBe("locked");
    const view = await store.reading.read(alice.id, id, { access: await unlockedSession(alice) });
    expect(view.state).toBe("opened");
    expect(view.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    expect(view.layers[0]).toMatchObject({ banner: "Encrypted AES-256-CBC", recipients: 2 });
    expect(view.layers[1]).toMatchObject({ banner: "Signed Data (Text SHA-256)", verified: true });
    const signed = view.layers[1]!;
    if (signed.type !== "signed") throw new Error("not a signed layer");
    expect(signed.signers[0]!.display).toBe(`Bob Sender <bob@${DOMAIN}>`);
    expect(view.text?.trim()).toBe("both layers");
    expect(view.headers.subject).toBe("signed and sealed");

    // Take Certificate through the encrypted layer needs the unlock.
    await expect(store.reading.takeCertificate(alice.id, id, { layer: 1, index: 0 })).rejects.toMatchObject({
      code: "locked",
    });
    await expect(
      store.reading.takeCertificate(
        alice.id,
        id,
        { layer: 0, index: 0 },
        { access: await unlockedSession(alice) },
      ),
    ).rejects.toMatchObject({ code: "not-found" });
  });

  it("with the domain's Hide Subject, shows [...] while locked and the encrypted message's own Subject once opened", async () => {
    await store.domains.set(DOMAIN, { hideSubjectWhenEncrypting: true });
    try {
      for (const sign of [false, true]) {
        const subject = `the real subject, ${sign ? "signed" : "not signed"}`;
        await store.send(
          bob.id,
          message(
            { From: `Bob Sender <bob@${DOMAIN}>`, To: `alice@${DOMAIN}`, Subject: subject },
            "hidden\r\n",
          ),
          { sign, encrypt: true, securePassword: PW },
        );
        const page = await store.listMessages(alice.id, inbox);
        const listed = page.messages.find((m) => m.subject === "[...]" && !m.flags.includes("seen"))!;
        expect(listed).toBeDefined();
        const locked = await store.reading.read(alice.id, listed.id);
        expect(locked.headers.subject).toBe("[...]");
        const view = await store.reading.read(alice.id, listed.id, {
          access: await unlockedSession(alice),
          markSeen: true,
        });
        expect(view.headers.subject).toBe(subject);
        expect(view.headers.from).toContain(`bob@${DOMAIN}`);
      }
    } finally {
      await store.domains.set(DOMAIN, { hideSubjectWhenEncrypting: false });
    }
  });

  it("with the domain's Hide Subject, a Store Encrypted delivery lists [...] and shows its own Subject once opened and after Decrypt", async () => {
    const hana = (await store.accounts.add(`hana@${DOMAIN}`, { password: "pw" })).account;
    await store.secureMail.generate(hana.id, PW, { keyAlgorithm: "EC-P256" });
    await store.rules.add(
      { accountId: hana.id },
      { name: "everything sealed", actions: [{ action: "Store Encrypted in", argument: "INBOX" }] },
    );
    const hanaInbox = (await store.mailboxes.require(hana.id, "INBOX")).id;
    await store.domains.set(DOMAIN, { hideSubjectWhenEncrypting: true });
    try {
      const subject = "quarterly figures, not for the list";
      const result = await store.deliver(
        hana,
        message(
          { From: "Carol <carol@elsewhere.example>", To: `hana@${DOMAIN}`, Subject: subject },
          "figures\r\n",
        ),
      );
      expect(result.stored).toEqual([expect.objectContaining({ encrypted: true })]);
      const raw = Buffer.from(await store.messages.raw(hana.id, result.stored[0]!.id)).toString("latin1");
      // RFC 9788: the outer Subject is "[...]"; the real one is only inside the encryption.
      expect(raw).toMatch(/^Subject: \[\.\.\.\]\r$/m);
      expect(raw).not.toContain(subject);
      const listed = (await store.listMessages(hana.id, hanaInbox)).messages;
      expect(listed.map((m) => m.subject)).toEqual(["[...]"]);
      const locked = await store.reading.read(hana.id, listed[0]!.id);
      expect(locked.headers.subject).toBe("[...]");
      const view = await store.reading.read(hana.id, listed[0]!.id, { access: await unlockedSession(hana) });
      expect(view.headers.subject).toBe(subject);
      const plain = await store.messageCrypto.decryptInPlace(hana.id, listed[0]!.id, PW);
      expect((await store.listMessages(hana.id, hanaInbox)).messages.map((m) => m.subject)).toEqual([
        subject,
      ]);
      expect(Buffer.from(await store.messages.raw(hana.id, plain.id)).toString("latin1")).toContain(
        `Subject: ${subject}`,
      );
    } finally {
      await store.domains.set(DOMAIN, { hideSubjectWhenEncrypting: false });
    }
  });

  it("Take Certificate files the signer under the certificate's name and address in the selected book", async () => {
    const id = await append(await signedBy(bobKey, `"Not Bob" <bob@${DOMAIN}>`, "take my certificate\r\n"));
    const taken = await store.reading.takeCertificate(alice.id, id, { layer: 0, index: 0 });
    expect(taken).toMatchObject({ status: "taken", created: true, fingerprint: bobKey.certificate.sha256 });
    expect(taken.contact).toMatchObject({ name: "Bob Sender", email: `bob@${DOMAIN}` });
    const book = await store.addressBooks.selected(alice.id);
    const filed = await store.contacts.get(alice.id, taken.contact!.id);
    expect(filed).toMatchObject({ bookId: book.id, hasCertificate: true });
    expect(
      (await store.contactCertificates.forAddress(alice.id, `bob@${DOMAIN}`)).map((c) => c.sha256),
    ).toEqual([bobKey.certificate.sha256]);
    const again = await store.reading.takeCertificate(alice.id, id, { layer: 0, index: 0 });
    expect(again).toMatchObject({ status: "already-taken", created: false });
    await expect(store.reading.takeCertificate(alice.id, id, { layer: 0, index: 1 })).rejects.toMatchObject({
      code: "not-found",
    });
    await expect(store.reading.takeCertificate(alice.id, id, { layer: 1, index: 0 })).rejects.toMatchObject({
      code: "not-found",
    });
  });

  it("Take Certificate refuses a signer that did not verify, and asks before taking an untrusted one", async () => {
    // Altered content: the certificate of a failed signature must never become an encryption key.
    const signed = Buffer.from(await signedBy(bobKey, `bob@${DOMAIN}`, "pay 100 EUR to Carol\r\n"));
    signed[signed.indexOf("pay 100 EUR") + 4] = "9".charCodeAt(0);
    const altered = await append(signed);
    await expect(
      store.reading.takeCertificate(alice.id, altered, { layer: 0, index: 0 }),
    ).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(
      store.reading.takeCertificate(alice.id, altered, { layer: 0, index: 0 }, { confirm: true }),
    ).rejects.toMatchObject({ code: "forbidden" });
    // A sender whose address does not match the certificate: refused too.
    const spoofed = await append(await signedBy(bobKey, `ceo@${DOMAIN}`, "trust me\r\n"));
    await expect(
      store.reading.takeCertificate(alice.id, spoofed, { layer: 0, index: 0 }),
    ).rejects.toMatchObject({
      code: "forbidden",
    });
    // An untrusted issuer: nothing is filed until the user confirms.
    // (A domain of its own: another test makes the foreign CA a trust anchor of DOMAIN.)
    const { account: reader } = await store.accounts.add("tofu@tofu-read.example", {
      password: "pw",
      createDomain: true,
    });
    const inbox = (await store.mailboxes.require(reader.id, "INBOX")).id;
    const foreign = await store.messages.append(
      reader.id,
      inbox,
      await signedBy(dave, "dave@elsewhere.example", "from abroad\r\n"),
    );
    const view = (await store.reading.read(reader.id, foreign.id)).layers[0]!;
    if (view.type !== "signed" || view.signers[0]!.status !== "untrusted")
      throw new Error("expected an untrusted signer (no anchor for the foreign CA in this domain)");
    const asked = await store.reading.takeCertificate(reader.id, foreign.id, { layer: 0, index: 0 });
    expect(asked).toMatchObject({
      status: "needs-confirmation",
      why: "untrusted",
      contact: null,
      fingerprint: dave.certificate.sha256,
    });
    expect(await store.contactCertificates.forAddress(reader.id, "dave@elsewhere.example")).toEqual([]);
    const taken = await store.reading.takeCertificate(
      reader.id,
      foreign.id,
      { layer: 0, index: 0 },
      { confirm: true },
    );
    expect(taken).toMatchObject({ status: "taken" });
    expect(
      (await store.contactCertificates.forAddress(reader.id, "dave@elsewhere.example")).map((c) => c.sha256),
    ).toEqual([dave.certificate.sha256]);
  });

  it("never opens an S/MIME part nested beside plaintext: it is an attachment (EFAIL)", async () => {
    const nested = Buffer.from(
      await encryptWholeMessage(message({ Subject: "inner" }, "nested-secret-text\r\n"), {
        recipients: [aliceFirst],
      }),
    );
    const body = nested.subarray(nested.indexOf("\r\n\r\n") + 4).toString("latin1");
    const raw = Buffer.from(
      [
        "From: mallory@elsewhere.example",
        `To: alice@${DOMAIN}`,
        "Subject: look",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "open the attachment",
        "--b",
        'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        "Content-Transfer-Encoding: base64",
        "",
        body.trimEnd(),
        "--b--",
        "",
      ].join("\r\n"),
    );
    const view = await store.reading.read(alice.id, await append(raw), {
      access: await unlockedSession(alice),
    });
    expect(view.state).toBe("plain");
    expect(view.text?.trim()).toBe("open the attachment");
    expect(view.attachments).toHaveLength(1);
    expect(view.attachments[0]).toMatchObject({ contentType: "application/pkcs7-mime", smime: true });
    expect(JSON.stringify(view)).not.toContain("nested-secret-text");
  });

  it("reports a corrupt S/MIME message as failed with a code, not an exception", async () => {
    for (const body of ["!!!! this is not base64 @@@@\r\n", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"]) {
      const raw = Buffer.from(
        [
          "From: mallory@elsewhere.example",
          `To: alice@${DOMAIN}`,
          "Subject: broken",
          "MIME-Version: 1.0",
          'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
          "Content-Transfer-Encoding: base64",
          "",
          body,
        ].join("\r\n"),
      );
      const view = await store.reading.read(alice.id, await append(raw), {
        access: await unlockedSession(alice),
      });
      expect(view.state).toBe("failed");
      expect(view.failure?.code).toMatch(/^[a-z-]+$/);
      expect(view.failure?.message.length).toBeGreaterThan(0);
      expect(view).toMatchObject({ layers: [], text: null, html: null, attachments: [] });
      expect(view.headers.subject).toBe("broken");
    }
  });

  it("shows every way decryption fails with the key it names in the same words (no decryption oracle)", async () => {
    const encrypted = async (cipher: "AES-256-CBC" | "AES-256-GCM") =>
      Buffer.from(
        await encryptWholeMessage(message({ Subject: "oracle" }, "the ledger figures\r\n"), {
          recipients: [aliceFirst],
          cipher,
        }),
      );
    const cbc = await encrypted("AES-256-CBC");
    const gcm = await encrypted("AES-256-GCM");
    const flip = (bytes: Uint8Array, index: number) => {
      const copy = Buffer.from(bytes);
      const i = index < 0 ? copy.length + index : index;
      copy[i] = (copy[i] as number) ^ 0x01;
      return copy;
    };
    const variants = {
      // Alice's KeyAgreeRecipientInfo, wrapped key changed: what a wrong private key meets (unwrap fails)
      "wrapped key changed": withCms(cbc, (d) => editAt(d, wrappedKeyPath(d), (key) => flip(key, 5))),
      // we write no unprotectedAttrs / unauthAttrs: the ciphertext, or the mac, ends the DER
      "bad CBC pad": withCms(cbc, (d) => flip(d, -17)),
      "bad GCM tag": withCms(gcm, (d) => flip(d, -1)),
      "CBC ciphertext not a multiple of 16": withCms(cbc, (d) =>
        editAt(d, ciphertextPath(d), (c) => c.subarray(0, c.length - 1)),
      ),
    };
    const failures = new Map<string, unknown>();
    for (const [name, raw] of Object.entries(variants)) {
      const view = await store.reading.read(alice.id, await append(raw), {
        access: await unlockedSession(alice),
      });
      expect(view.state, name).toBe("failed");
      failures.set(name, view.failure);
    }
    expect(
      new Set([...failures.values()].map((f) => JSON.stringify(f))),
      JSON.stringify([...failures]),
    ).toEqual(
      new Set([JSON.stringify({ code: "decryption-failed", message: "the message could not be decrypted" })]),
    );
    // the untouched message opens: the changes above are what failed
    const view = await store.reading.read(alice.id, await append(cbc), {
      access: await unlockedSession(alice),
    });
    expect(view.state).not.toBe("failed");
    expect(view.text).toContain("the ledger figures");
  });

  it("opens mail encrypted to an earlier key", async () => {
    const id = await append(
      await encryptWholeMessage(message({ Subject: "for the old key" }, "old-key-content\r\n"), {
        recipients: [aliceFirst],
      }),
    );
    await store.secureMail.generate(alice.id, PW, { keyAlgorithm: "EC-P256" });
    expect((await store.secureMail.currentCertificate(alice.id))!.certificate.sha256).not.toBe(
      aliceFirst.sha256,
    );
    const view = await store.reading.read(alice.id, id, { access: await unlockedSession(alice) });
    expect(view.state).toBe("opened");
    expect(view.text).toContain("old-key-content");
    // Mail to the new key opens with the same session too.
    const current = (await store.secureMail.currentCertificate(alice.id))!.certificate;
    const fresh = await append(
      await encryptWholeMessage(message({ Subject: "for the new key" }, "new-key-content\r\n"), {
        recipients: [current],
      }),
    );
    expect(
      (await store.reading.read(alice.id, fresh, { access: await unlockedSession(alice) })).text,
    ).toContain("new-key-content");
  });
});

/** The message with its base64 CMS body decoded, changed and re-encoded (headers untouched). */
function withCms(raw: Uint8Array, change: (cms: Buffer) => Uint8Array): Buffer {
  const text = Buffer.from(raw).toString("latin1");
  const split = text.indexOf("\r\n\r\n") + 4;
  const body = Buffer.from(change(Buffer.from(text.slice(split), "base64")))
    .toString("base64")
    .replace(/.{1,76}/g, "$&\r\n");
  return Buffer.from(text.slice(0, split) + body, "latin1");
}

function nodeAt(cms: Uint8Array, path: number[]): Tlv {
  let node = readRoot(cms);
  for (const i of path) node = children(cms, node)[i] as Tlv;
  return node;
}

/** ContentInfo → [0] → EnvelopedData → RecipientInfos → the KARI → RecipientEncryptedKeys → first → encryptedKey. */
function wrappedKeyPath(cms: Uint8Array): number[] {
  const kari = nodeAt(cms, [1, 0, 1, 0]);
  if (kari.tag !== 0xa1) throw new Error("expected a KeyAgreeRecipientInfo");
  return [1, 0, 1, 0, children(cms, kari).length - 1, 0, 1];
}

/** ContentInfo → [0] → EnvelopedData → EncryptedContentInfo → encryptedContent [0]. */
function ciphertextPath(cms: Uint8Array): number[] {
  const eci = nodeAt(cms, [1, 0, 2]);
  if (children(cms, eci)[2]?.tag !== 0x80) throw new Error("expected a primitive encryptedContent");
  return [1, 0, 2, 2];
}

/** The DER rebuilt (definite lengths) with the contents of the element at `path` changed. */
function editAt(cms: Uint8Array, path: number[], change: (content: Buffer) => Uint8Array): Uint8Array {
  const rebuild = (node: Tlv, rest: number[]): Uint8Array => {
    if (rest.length === 0)
      return der.tlv(node.tag, change(Buffer.from(cms.subarray(node.contentStart, node.contentEnd))));
    const [index, ...deeper] = rest as [number, ...number[]];
    return der.tlv(
      node.tag,
      children(cms, node).map((kid, i) =>
        i === index ? rebuild(kid, deeper) : cms.subarray(kid.start, kid.end),
      ),
    );
  };
  return rebuild(readRoot(cms), path);
}
