import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, testClock } from "../../test/fresh-store.js";
import type { Store } from "../open-store.js";
import type { Account } from "./accounts.js";
import { LOGIN_LIMITS } from "./login-guard.js";

describe.each(backends)("account settings on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  const clock = testClock(Date.UTC(2026, 4, 1));

  beforeAll(async () => {
    fresh = await freshStore(backend, { now: clock.now });
    store = fresh.store;
    alice = (await store.accounts.add("alice@settings.example", { password: "old pw", createDomain: true }))
      .account;
    await store.accounts.add("bob@settings.example", { password: "pw" });
  }, 120_000);
  afterAll(() => fresh.cleanup());

  it("General: Real Name and a From address; the account address or nothing means the account address", async () => {
    const set = await store.accountSettings.general(alice.id, {
      realName: "  Alice Example ",
      fromAddress: "Alice.Example@Settings.Example",
    });
    expect(set).toMatchObject({
      realName: "Alice Example",
      fromSetting: "Alice.Example@settings.example",
      fromAddress: "Alice.Example@settings.example",
    });
    expect((await store.accounts.get(alice.address))?.fromAddress).toBe("Alice.Example@settings.example");
    for (const fromAddress of ["", "ALICE@settings.example"]) {
      const back = await store.accountSettings.general(alice.id, { realName: "Alice", fromAddress });
      expect(back).toMatchObject({ fromSetting: null, fromAddress: "alice@settings.example" });
    }
    // Outside the domain is allowed (an alias elsewhere).
    expect(
      (
        await store.accountSettings.general(alice.id, {
          realName: "Alice",
          fromAddress: "a@elsewhere.example",
        })
      ).fromAddress,
    ).toBe("a@elsewhere.example");
  });

  it("General refuses an invalid From address, another account's address and a two-line name, naming the field", async () => {
    for (const fromAddress of ["not an address", "a@", "two@at@x", "x@-bad-.example"])
      await expect(
        store.accountSettings.general(alice.id, { realName: "Alice", fromAddress }),
        fromAddress,
      ).rejects.toMatchObject({ code: "invalid-argument", field: "fromAddress" });
    await expect(
      store.accountSettings.general(alice.id, { realName: "Alice", fromAddress: "Bob@Settings.Example" }),
    ).rejects.toMatchObject({ code: "invalid-argument", field: "fromAddress", message: /another account/ });
    await expect(
      store.accountSettings.general(alice.id, { realName: "Alice\nBcc: x", fromAddress: "" }),
    ).rejects.toMatchObject({ code: "invalid-argument", field: "realName" });
    expect((await store.accounts.get(alice.address))?.fromAddress).toBe("a@elsewhere.example");
  });

  it("Compose: an allowed Encryption Method and the defaults for new messages", async () => {
    expect(alice).toMatchObject({
      alwaysSign: false,
      encryptWhenPossible: false,
      encryptionMethod: "AES-256-CBC",
    });
    const set = await store.accountSettings.compose(alice.id, {
      encryptionMethod: "aes-128-gcm",
      alwaysSign: true,
      encryptWhenPossible: true,
    });
    expect(set).toMatchObject({
      encryptionMethodSetting: "AES-128-GCM",
      encryptionMethod: "AES-128-GCM",
      alwaysSign: true,
      encryptWhenPossible: true,
    });
    const session = await store.sessions.create(alice.id);
    expect((await store.sessions.resolve(session.token))?.account).toMatchObject({
      alwaysSign: true,
      encryptWhenPossible: true,
      encryptionMethod: "AES-128-GCM",
    });
    // Only what is given changes.
    expect(await store.accountSettings.compose(alice.id, { alwaysSign: false })).toMatchObject({
      alwaysSign: false,
      encryptWhenPossible: true,
      encryptionMethod: "AES-128-GCM",
    });
    await store.accountSettings.compose(alice.id, { encryptionMethod: null });
    // The domain's default chosen while following it: keeps following it.
    const bob = (await store.accounts.require("bob@settings.example")).id;
    expect(await store.accountSettings.compose(bob, { encryptionMethod: "AES-256-CBC" })).toMatchObject({
      encryptionMethodSetting: null,
    });
    await store.domains.set("settings.example", { defaultCipher: "AES-192-CBC" });
    expect((await store.accounts.byId(bob)).encryptionMethod).toBe("AES-192-CBC");
    await store.domains.set("settings.example", { defaultCipher: "AES-256-CBC" });
  });

  it("Compose refuses a cipher the domain does not allow, or none at all, naming the field", async () => {
    await store.domains.set("settings.example", { allowedCiphers: ["AES-256-CBC", "AES-256-GCM"] });
    await expect(
      store.accountSettings.compose(alice.id, { encryptionMethod: "AES-128-GCM" }),
    ).rejects.toMatchObject({
      code: "invalid-argument",
      field: "encryptionMethod",
      message: /does not allow/,
    });
    await expect(
      store.accountSettings.compose(alice.id, { encryptionMethod: "ROT13" }),
    ).rejects.toMatchObject({
      code: "invalid-argument",
      field: "encryptionMethod",
    });
    expect(await store.accountSettings.compose(alice.id, { encryptionMethod: "AES-256-GCM" })).toMatchObject({
      encryptionMethod: "AES-256-GCM",
    });
    await store.domains.set("settings.example", { allowedCiphers: null });
  });

  it("Password: the current one is checked, the new one works, every other session ends", async () => {
    const mine = await store.sessions.create(alice.id);
    const other = await store.sessions.create(alice.id);
    await expect(
      store.accountSettings.changePassword(
        alice.id,
        { currentPassword: "not it", newPassword: "new pw" },
        { client: "198.51.100.1", keepSessionId: mine.session.id },
      ),
    ).rejects.toMatchObject({ code: "wrong-password", field: "currentPassword" });
    expect(await store.sessions.resolve(other.token)).toBeDefined();
    await expect(
      store.accountSettings.changePassword(alice.id, { currentPassword: "old pw", newPassword: "" }),
    ).rejects.toMatchObject({ code: "invalid-argument", field: "newPassword" });

    await store.accountSettings.changePassword(
      alice.id,
      { currentPassword: "old pw", newPassword: "new pw" },
      { client: "198.51.100.1", keepSessionId: mine.session.id },
    );
    expect(await store.sessions.resolve(mine.token)).toBeDefined();
    expect(await store.sessions.resolve(other.token)).toBeUndefined();
    expect((await store.login(alice.address, "old pw")).ok).toBe(false);
    expect((await store.login(alice.address, "new pw")).ok).toBe(true);
  });

  it("Password: a wrong current password counts as a failed login (the same guard as Log In)", async () => {
    const { account: carol } = await store.accounts.add("carol@settings.example", { password: "carol pw" });
    for (let i = 0; i < LOGIN_LIMITS.accountFreeFailures; i++)
      await expect(
        store.accountSettings.changePassword(
          carol.id,
          { currentPassword: `guess ${i}`, newPassword: "x" },
          { client: `203.0.113.${i}` },
        ),
      ).rejects.toMatchObject({ code: "wrong-password" });
    // Log In now waits too, and so does the form, even with the right password.
    expect(await store.login(carol.address, "carol pw", { client: "203.0.113.99" })).toMatchObject({
      ok: false,
      reason: "rate-limited",
    });
    await expect(
      store.accountSettings.changePassword(carol.id, { currentPassword: "carol pw", newPassword: "x" }),
    ).rejects.toMatchObject({ code: "rate-limited", field: "currentPassword" });
    clock.advance(LOGIN_LIMITS.windowMs + 1000);
    await store.accountSettings.changePassword(carol.id, { currentPassword: "carol pw", newPassword: "x" });
    expect((await store.login(carol.address, "x")).ok).toBe(true);
  });
});
