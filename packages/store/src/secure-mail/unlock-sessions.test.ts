import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Certificate, encryptWholeMessage, importPfx } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message, TEST_SCRYPT, testClock } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import { silentLogger } from "../logger.js";
import { openStore, type Store } from "../open-store.js";
import { FREE_FAILURES } from "./password-guard.js";

const SECRET = Buffer.from("unlock sessions test server secret");
const PW = "Secure-Mail-Passwort-ü";
const PW2 = "a different passphrase";
const DOMAIN = "unlock.example";

describe.each(backends)("unlock sessions on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let bob: Account;
  /** The first key's certificate: it becomes an earlier key in the last tests. */
  let firstCertificate: Certificate;
  const clock = testClock(Date.now());

  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: SECRET, now: clock.now });
    store = fresh.store;
    alice = (
      await store.accounts.add(`alice@${DOMAIN}`, { password: "pw", realName: "Alice", createDomain: true })
    ).account;
    bob = (await store.accounts.add(`bob@${DOMAIN}`, { password: "pw" })).account;
    await store.secureMail.generate(alice.id, PW);
    await store.secureMail.generate(bob.id, PW, { keyAlgorithm: "EC-P256" });
    firstCertificate = (await store.secureMail.currentCertificate(alice.id))!.certificate;
  }, 120_000);
  afterAll(() => fresh.cleanup());

  const session = async (account: Account) => (await store.sessions.create(account.id)).token;
  const inbox = async (account: Account) => (await store.mailboxes.require(account.id, "INBOX")).id;
  const pkcs8 = (key: { export(o: { format: "der"; type: "pkcs8" }): Buffer }) =>
    key.export({ format: "der", type: "pkcs8" });

  it("a new session starts locked", async () => {
    const token = await session(alice);
    expect(await store.secureMail.lockState(alice.id, token)).toEqual({
      hasKey: true,
      unlocked: false,
      expiresAt: null,
      lifetimeSeconds: 180,
    });
    await expect(store.secureMail.identities(alice.id, { sessionToken: token })).rejects.toMatchObject({
      code: "locked",
    });
    expect((await store.secureMail.lockState(bob.id, await session(bob))).hasKey).toBe(true);
  });

  it("unlocks for the domain's lifetime; the session's keys are the password's keys", async () => {
    await store.domains.set(DOMAIN, { unlockSeconds: 5 });
    const token = await session(alice);
    const state = await store.secureMail.unlock(alice.id, token, PW);
    expect(state).toEqual({
      hasKey: true,
      unlocked: true,
      expiresAt: clock.now() + 5000,
      lifetimeSeconds: 5,
    });
    expect(await store.secureMail.lockState(alice.id, token)).toEqual(state);

    const viaSession = await store.secureMail.identities(alice.id, { sessionToken: token });
    const viaPassword = await store.secureMail.identities(alice.id, PW);
    expect(viaSession.map((i) => i.certificate.sha256)).toEqual(viaPassword.map((i) => i.certificate.sha256));
    expect(viaSession[0]!.certificate.sha256).toBe(firstCertificate.sha256);
    expect(pkcs8(viaSession[0]!.privateKey).equals(pkcs8(viaPassword[0]!.privateKey))).toBe(true);
    expect(viaSession[0]!.chain.map((c) => c.sha256)).toEqual(viaPassword[0]!.chain.map((c) => c.sha256));

    // Encrypt in place and decrypt in place with the session as the access.
    const original = message(
      { From: "carol@elsewhere.example", To: `alice@${DOMAIN}`, Subject: "session mail" },
      "the owl flies at midnight\r\n",
    );
    const plain = await store.messages.append(alice.id, await inbox(alice), original);
    const sealed = await store.messageCrypto.encryptInPlace(alice.id, plain.id, { sessionToken: token });
    expect(sealed.security).toBe("encrypted");
    expect(Buffer.from(await store.messages.raw(alice.id, sealed.id)).includes("owl flies")).toBe(false);
    const opened = await store.messageCrypto.decryptInPlace(alice.id, sealed.id, { sessionToken: token });
    expect(Buffer.from(await store.messages.raw(alice.id, opened.id)).equals(original)).toBe(true);
  });

  it("another store instance on the same database (another web process) uses the same unlock", async () => {
    const token = await session(alice);
    await store.secureMail.unlock(alice.id, token, PW);
    const second = await openStore(fresh.url, {
      base: fresh.base,
      logger: silentLogger,
      passwordHashing: TEST_SCRYPT,
      serverSecret: SECRET,
      now: clock.now,
    });
    try {
      expect((await second.secureMail.lockState(alice.id, token)).unlocked).toBe(true);
      const keys = await second.secureMail.identities(alice.id, { sessionToken: token });
      expect(keys.map((k) => k.certificate.sha256)).toEqual([firstCertificate.sha256]);
      const secret = await encryptWholeMessage(message({ Subject: "via process two" }, "two processes\r\n"), {
        recipients: [firstCertificate],
      });
      const appended = await second.messages.append(alice.id, await inbox(alice), secret);
      const plain = await second.messageCrypto.decryptInPlace(alice.id, appended.id, { sessionToken: token });
      expect(Buffer.from(await store.messages.raw(alice.id, plain.id)).toString()).toContain("two processes");
      // Locking in one process locks it in the other.
      await second.secureMail.lock(alice.id, token);
      await expect(store.secureMail.identities(alice.id, { sessionToken: token })).rejects.toMatchObject({
        code: "locked",
      });
    } finally {
      await second.close();
    }
  });

  it("locks itself when the lifetime has passed", async () => {
    const token = await session(alice);
    const { expiresAt } = await store.secureMail.unlock(alice.id, token, PW);
    clock.set(expiresAt! - 1);
    await store.secureMail.identities(alice.id, { sessionToken: token });
    clock.set(expiresAt!);
    await expect(store.secureMail.identities(alice.id, { sessionToken: token })).rejects.toMatchObject({
      code: "locked",
    });
    expect(await store.secureMail.lockState(alice.id, token)).toEqual({
      hasKey: true,
      unlocked: false,
      expiresAt: null,
      lifetimeSeconds: 5,
    });
    // The expired blob was deleted when it was found expired.
    const id = (await store.sessions.resolve(token))!.id;
    expect(
      await storeInternals(store)
        .db.selectFrom("unlock_sessions")
        .select("id")
        .where("id", "=", id)
        .executeTakeFirst(),
    ).toBeUndefined();
    // The session itself goes on: unlocking again works.
    expect((await store.secureMail.unlock(alice.id, token, PW)).unlocked).toBe(true);
  });

  it("storedUnlocks counts the account's wrapped key blobs: one per unlocked session, none after lock and logout", async () => {
    const dave = (await store.accounts.add(`dave@${DOMAIN}`, { password: "pw" })).account;
    await store.secureMail.generate(dave.id, PW, { keyAlgorithm: "EC-P256" });
    const first = await session(dave);
    const second = await session(dave);
    expect(await store.secureMail.storedUnlocks(dave.id)).toBe(0);
    await store.secureMail.unlock(dave.id, first, PW);
    await store.secureMail.unlock(dave.id, second, PW);
    await store.secureMail.unlock(dave.id, second, PW);
    expect(await store.secureMail.storedUnlocks(dave.id)).toBe(2);
    await store.secureMail.lock(dave.id, first);
    expect(await store.secureMail.storedUnlocks(dave.id)).toBe(1);
    await store.sessions.end(second);
    expect(await store.secureMail.storedUnlocks(dave.id)).toBe(0);
  });

  it("lock() and logout (sessions.end) lock", async () => {
    const token = await session(alice);
    await store.secureMail.unlock(alice.id, token, PW);
    await store.secureMail.lock(alice.id, token);
    expect((await store.secureMail.lockState(alice.id, token)).unlocked).toBe(false);
    await expect(store.secureMail.identities(alice.id, { sessionToken: token })).rejects.toMatchObject({
      code: "locked",
    });

    await store.secureMail.unlock(alice.id, token, PW);
    const id = (await store.sessions.resolve(token))!.id;
    await store.sessions.end(token);
    await expect(store.secureMail.identities(alice.id, { sessionToken: token })).rejects.toMatchObject({
      code: "locked",
    });
    expect(
      await storeInternals(store)
        .db.selectFrom("unlock_sessions")
        .select("id")
        .where("id", "=", id)
        .executeTakeFirst(),
    ).toBeUndefined();
    // An ended session cannot be unlocked again.
    await expect(store.secureMail.unlock(alice.id, token, PW)).rejects.toMatchObject({
      code: "unauthenticated",
    });
  });

  it("a wrong password goes through the Secure Mail Password rate limit", async () => {
    const token = await session(alice);
    for (let i = 0; i < FREE_FAILURES; i++)
      await expect(store.secureMail.unlock(alice.id, token, `wrong ${i}`)).rejects.toMatchObject({
        code: "wrong-password",
      });
    // The right password is refused too until the delay has passed: the limit is the shared one.
    await expect(store.secureMail.unlock(alice.id, token, PW)).rejects.toMatchObject({
      code: "rate-limited",
    });
    await expect(store.secureMail.verifyPassword(alice.id, PW)).rejects.toMatchObject({
      code: "rate-limited",
    });
    expect((await store.secureMail.lockState(alice.id, token)).unlocked).toBe(false);
    clock.advance(1000);
    expect((await store.secureMail.unlock(alice.id, token, PW)).unlocked).toBe(true);
  });

  it("refuses a session of another account, an ended one and a malformed token", async () => {
    const bobToken = await session(bob);
    await expect(store.secureMail.unlock(alice.id, bobToken, PW)).rejects.toMatchObject({
      code: "unauthenticated",
    });
    await expect(store.secureMail.unlock(alice.id, "not a token", PW)).rejects.toMatchObject({
      code: "unauthenticated",
    });
    // Bob's own unlock does not open Alice's keys, and Alice's lock cannot touch Bob's.
    await store.secureMail.unlock(bob.id, bobToken, PW);
    await expect(store.secureMail.identities(alice.id, { sessionToken: bobToken })).rejects.toMatchObject({
      code: "locked",
    });
    await store.secureMail.lock(alice.id, bobToken);
    expect((await store.secureMail.lockState(bob.id, bobToken)).unlocked).toBe(true);
    expect((await store.secureMail.lockState(alice.id, bobToken)).unlocked).toBe(false);
  });

  it("a wrapped blob copied to another session's row opens nothing", async () => {
    const one = await session(alice);
    const two = await session(alice);
    await store.secureMail.unlock(alice.id, one, PW);
    await store.secureMail.unlock(alice.id, two, PW);
    const idOf = async (token: string) => (await store.sessions.resolve(token))!.id;
    const blob = await storeInternals(store)
      .db.selectFrom("unlock_sessions")
      .select("wrapped")
      .where("id", "=", await idOf(one))
      .executeTakeFirstOrThrow();
    await storeInternals(store)
      .db.updateTable("unlock_sessions")
      .set({ wrapped: blob.wrapped })
      .where("id", "=", await idOf(two))
      .execute();
    await expect(store.secureMail.identities(alice.id, { sessionToken: two })).rejects.toMatchObject({
      code: "locked",
    });
    await store.secureMail.identities(alice.id, { sessionToken: one });
  });

  it("keeps no plaintext private key (nor the token) in the database after unlocking", async () => {
    const token = await session(alice);
    await store.secureMail.unlock(alice.id, token, PW);
    const [identity] = await store.secureMail.identities(alice.id, PW);
    const der = pkcs8(identity!.privateKey);
    const jwk = identity!.privateKey.export({ format: "jwk" });
    const secrets = [der, Buffer.from(token)];
    for (const part of ["d", "p", "q", "dp", "dq", "qi"] as const) {
      const value = jwk[part];
      expect(value).toBeTypeOf("string");
      secrets.push(Buffer.from(value as string, "base64url"));
    }
    // The blob exists and is used.
    await store.secureMail.identities(alice.id, { sessionToken: token });
    if (backend.name === "sqlite") {
      const files = readdirSync(fresh.base).filter((f) => f.startsWith("sealbox.db"));
      expect(files).toContain("sealbox.db-wal");
      for (const file of files) {
        const bytes = readFileSync(join(fresh.base, file));
        for (const secret of secrets) expect(bytes.includes(secret)).toBe(false);
      }
    } else {
      const rows = [
        ...(await storeInternals(store).db.selectFrom("unlock_sessions").selectAll().execute()),
        ...(await storeInternals(store).db.selectFrom("secure_mail_keys").selectAll().execute()),
      ];
      for (const row of rows)
        for (const value of Object.values(row)) {
          const bytes = Buffer.from(value instanceof Uint8Array ? value : String(value));
          for (const secret of secrets) expect(bytes.includes(secret)).toBe(false);
        }
    }
  });

  it("exports a PFX and changes the password through the session", async () => {
    const token = await session(alice);
    await expect(
      store.secureMail.exportPfx(alice.id, { sessionToken: token }, "file pw"),
    ).rejects.toMatchObject({
      code: "locked",
    });
    await store.secureMail.unlock(alice.id, token, PW);
    const pfx = await store.secureMail.exportPfx(alice.id, { sessionToken: token }, "file pw");
    expect(importPfx(pfx, "file pw").identity.certificate.sha256).toBe(firstCertificate.sha256);

    await expect(
      store.secureMail.changePassword(alice.id, { sessionToken: token }, "short"),
    ).rejects.toMatchObject({
      code: "invalid-password",
    });
    await store.secureMail.changePassword(alice.id, { sessionToken: token }, PW2);
    await expect(store.secureMail.verifyPassword(alice.id, PW)).rejects.toMatchObject({
      code: "wrong-password",
    });
    await store.secureMail.verifyPassword(alice.id, PW2);
    // The session stays unlocked across the change; back to PW through it.
    await store.secureMail.changePassword(alice.id, { sessionToken: token }, PW);
    await store.secureMail.verifyPassword(alice.id, PW);
  });

  it("earlier keys: an unlock returns every key, current first, and old mail still opens", async () => {
    const before = await session(alice);
    await store.secureMail.unlock(alice.id, before, PW);
    const old = await store.messages.append(
      alice.id,
      await inbox(alice),
      await encryptWholeMessage(message({ Subject: "to the first key" }, "sent long ago\r\n"), {
        recipients: [firstCertificate],
      }),
    );
    await store.secureMail.generate(alice.id, PW);
    const current = (await store.secureMail.currentCertificate(alice.id))!.certificate;
    expect(current.sha256).not.toBe(firstCertificate.sha256);
    // A session unlocked before the new key holds only the old one: it cannot export the new one.
    await expect(store.secureMail.exportPfx(alice.id, { sessionToken: before }, "x")).rejects.toMatchObject({
      code: "locked",
    });

    const token = await session(alice);
    await store.secureMail.unlock(alice.id, token, PW);
    const keys = await store.secureMail.identities(alice.id, { sessionToken: token });
    expect(keys.map((k) => k.certificate.sha256)).toEqual([current.sha256, firstCertificate.sha256]);
    const plain = await store.messageCrypto.decryptInPlace(alice.id, old.id, { sessionToken: token });
    expect(Buffer.from(await store.messages.raw(alice.id, plain.id)).toString()).toContain("sent long ago");
    // A change of password through the session re-seals both keys.
    await store.secureMail.changePassword(alice.id, { sessionToken: token }, PW2);
    expect((await store.secureMail.identities(alice.id, PW2)).map((k) => k.certificate.sha256)).toEqual([
      current.sha256,
      firstCertificate.sha256,
    ]);
  });
});
