import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exportPfx, importPfx, openMessage, parseCrl, validatePath } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message, testClock } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import type { Store } from "../open-store.js";

const SECRET = Buffer.from("a test server secret of decent length");
const PW = "Geheimnis-ü-密码";
const PW2 = "another secure password";

describe.each(backends)("secure mail on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let bob: Account;
  const clock = testClock(Date.now());

  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: SECRET, now: clock.now });
    store = fresh.store;
    alice = (
      await store.accounts.add("alice@secure.example", {
        password: "pw",
        realName: "Alice Example",
        createDomain: true,
      })
    ).account;
    bob = (await store.accounts.add("bob@secure.example", { password: "pw" })).account;
  }, 120_000);
  afterAll(() => fresh.cleanup());

  it("generates a key and a certificate from the server CA for the account address", async () => {
    expect(await store.secureMail.status(alice.id)).toEqual({ hasKey: false, earlierKeys: 0 });
    const status = await store.secureMail.generate(alice.id, PW);
    expect(status).toMatchObject({
      hasKey: true,
      email: "alice@secure.example",
      keyAlgorithm: "RSA",
      keySize: 2048,
      earlierKeys: 0,
    });
    const current = await store.secureMail.currentCertificate(alice.id);
    const ca = await store.ca.ensure();
    const path = validatePath(current!.certificate, {
      trust: [ca.certificate],
      intermediates: [],
      at: new Date(clock.now()),
    });
    expect(path.ok).toBe(true);
    expect(current!.certificate.commonName).toBe("Alice Example");
    const published = await store.lookupDirectory("alice@secure.example");
    expect(published?.sha256).toBe(status.certificateSha256);
  });

  it("refuses a wrong Secure Mail Password, then rate-limits after 5 failures", async () => {
    await expect(store.secureMail.verifyPassword(alice.id, "wrong")).rejects.toMatchObject({
      code: "wrong-password",
    });
    for (let i = 0; i < 4; i++)
      await expect(store.secureMail.verifyPassword(alice.id, "wrong")).rejects.toMatchObject({
        code: "wrong-password",
      });
    // Sixth attempt inside the window: refused before the password is even tried (even the right one).
    await expect(store.secureMail.verifyPassword(alice.id, PW)).rejects.toMatchObject({
      code: "rate-limited",
    });
    clock.advance(1500);
    await store.secureMail.verifyPassword(alice.id, PW);
    // A success clears the failures.
    await expect(store.secureMail.verifyPassword(alice.id, "wrong")).rejects.toMatchObject({
      code: "wrong-password",
    });
    await store.secureMail.verifyPassword(alice.id, PW);
  });

  it("exports a PFX that imports with its file password, modern and legacy", async () => {
    const status = await store.secureMail.status(alice.id);
    for (const legacy of [false, true]) {
      const pfx = await store.secureMail.exportPfx(alice.id, PW, "file-pw", { legacy });
      const imported = importPfx(pfx, "file-pw");
      expect(imported.identity.certificate.sha256).toBe(status.certificateSha256);
      expect(imported.identity.chain.length).toBeGreaterThanOrEqual(1);
    }
    await expect(store.secureMail.exportPfx(alice.id, "nope", "x")).rejects.toMatchObject({
      code: "wrong-password",
    });
  });

  it("replacing a key needs the current password, keeps the old one as earlier, and revokes it", async () => {
    const before = await store.secureMail.status(alice.id);
    const bobStatus = await store.secureMail.generate(bob.id, "bob's password");
    const bobPfx = await store.secureMail.exportPfx(bob.id, "bob's password", "x");
    await expect(store.secureMail.importPfx(alice.id, bobPfx, "x", "not alice's")).rejects.toMatchObject({
      code: "wrong-password",
    });
    const after = await store.secureMail.importPfx(alice.id, bobPfx, "x", PW);
    expect(after).toMatchObject({
      hasKey: true,
      earlierKeys: 1,
      certificateSha256: bobStatus.certificateSha256,
    });
    const crl = parseCrl(await store.ca.crl());
    expect([...crl.revoked.keys()]).toContain(BigInt(`0x${before.serial}`));
    // Back to a fresh generated key for the rest of the suite (now two earlier keys).
    await store.secureMail.generate(alice.id, PW);
    expect((await store.secureMail.status(alice.id)).earlierKeys).toBe(2);
  });

  it("changes the password of the current and every earlier key at once", async () => {
    await store.secureMail.changePassword(alice.id, PW, PW2);
    await expect(store.secureMail.verifyPassword(alice.id, PW)).rejects.toMatchObject({
      code: "wrong-password",
    });
    const identities = await store.secureMail.identities(alice.id, PW2);
    expect(identities).toHaveLength(3);
    await store.secureMail.changePassword(alice.id, PW2, PW);
    await expect(store.secureMail.changePassword(alice.id, PW, "")).rejects.toMatchObject({
      code: "invalid-password",
    });
  });

  it("Store Encrypted stores incoming mail encrypted; Decrypt restores it byte for byte", async () => {
    await store.rules.add(
      { accountId: alice.id },
      {
        name: "secret",
        priority: 5,
        conditions: [{ field: "Subject", op: "is", value: "*secret*" }],
        actions: [{ action: "Store Encrypted in", argument: "INBOX" }],
        stop: false,
      },
    );
    const original = message(
      {
        From: "carol@elsewhere.example",
        To: "alice@secure.example",
        Subject: "top secret plan",
        Date: "Fri, 27 Nov 2026 01:00:00 +0000",
      },
      "the eagle lands at dawn\r\n",
    );
    const result = await store.deliver(alice, original);
    expect(result.stored).toHaveLength(1);
    expect(result.stored[0]).toMatchObject({ encrypted: true, security: "encrypted", cipher: "AES-256-CBC" });
    const id = result.stored[0]!.id;
    const stored = Buffer.from(await store.messages.raw(alice.id, id));
    expect(stored.includes(Buffer.from("eagle"))).toBe(false);
    const summary = await store.messages.get(alice.id, id);
    expect(summary.subject).toBe("top secret plan");
    await store.messages.setFlags(alice.id, id, { flagged: true });

    const plain = await store.messageCrypto.decryptInPlace(alice.id, id, PW);
    expect(Buffer.from(await store.messages.raw(alice.id, plain.id)).equals(original)).toBe(true);
    expect(plain).toMatchObject({ security: "plain", cipher: null, mailboxId: summary.mailboxId });
    expect(plain.flags).toContain("flagged");
    await expect(store.messages.get(alice.id, id)).rejects.toMatchObject({ code: "not-found" });

    // Encrypt in place, then open it with an exported PFX of the key: the inner message is the original.
    const sealed = await store.messageCrypto.encryptInPlace(alice.id, plain.id, PW);
    expect(sealed).toMatchObject({ security: "encrypted", cipher: "AES-256-CBC" });
    const pfx = await store.secureMail.exportPfx(alice.id, PW, "x");
    const opened = await openMessage(await store.messages.raw(alice.id, sealed.id), {
      identities: [importPfx(pfx, "x").identity],
    });
    expect(Buffer.from(opened.content).equals(original)).toBe(true);
    await expect(store.messageCrypto.encryptInPlace(alice.id, sealed.id, PW)).rejects.toMatchObject({
      code: "invalid-argument",
    });

    if (backend.name === "sqlite") {
      // No plaintext left anywhere in the database files after Encrypt in place.
      for (const file of readdirSync(fresh.base).filter((f) => f.startsWith("sealbox.db"))) {
        expect(readFileSync(join(fresh.base, file)).includes(Buffer.from("eagle lands"))).toBe(false);
      }
    }
  });

  it("decrypts mail for earlier keys too", async () => {
    const earlier = (await store.secureMail.identities(alice.id, PW))[2]!;
    const { encryptWholeMessage } = await import("@sealbox/core");
    const old = await encryptWholeMessage(message({ Subject: "old mail" }, "from long ago\r\n"), {
      recipients: [earlier.certificate],
    });
    const inbox = (await store.mailboxes.list(alice.id)).find((m) => m.name === "INBOX")!;
    const appended = await store.messages.append(alice.id, inbox.id, old);
    const plain = await store.messageCrypto.decryptInPlace(alice.id, appended.id, PW);
    expect(Buffer.from(await store.messages.raw(alice.id, plain.id)).toString()).toContain("from long ago");
  });

  it("removes the current key only with a PFX that holds it; earlier keys stay; the directory forgets it", async () => {
    const otherPfx = exportPfx((await store.secureMail.identities(bob.id, "bob's password"))[0]!, "y");
    await expect(store.secureMail.remove(alice.id, otherPfx, "y")).rejects.toMatchObject({
      code: "forbidden",
    });
    const pfx = await store.secureMail.exportPfx(alice.id, PW, "x");
    await expect(store.secureMail.remove(alice.id, pfx, "wrong file password")).rejects.toMatchObject({
      code: "wrong-password",
    });
    await store.secureMail.remove(alice.id, pfx, "x");
    expect(await store.secureMail.status(alice.id)).toEqual({ hasKey: false, earlierKeys: 2 });
    expect(await store.lookupDirectory("alice@secure.example")).toBeUndefined();
    // A new key must use the same password as the earlier keys.
    await expect(store.secureMail.generate(alice.id, "a different one")).rejects.toMatchObject({
      code: "wrong-password",
    });
  });

  it("never stores the Secure Mail Password or a plaintext key", async () => {
    if (backend.name !== "sqlite") return; // file inspection is SQLite-specific; the columns are the same on both
    for (const file of readdirSync(fresh.base).filter((f) => f.startsWith("sealbox.db"))) {
      const bytes = readFileSync(join(fresh.base, file));
      expect(bytes.includes(Buffer.from(PW))).toBe(false);
      expect(bytes.includes(Buffer.from("BEGIN PRIVATE KEY"))).toBe(false);
    }
  });
});
