import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore } from "../../test/fresh-store.js";
import { StoreError } from "../errors.js";
import { storeInternals } from "../internals.js";
import type { Store } from "../open-store.js";

describe.each(backends)("domains and accounts on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  beforeAll(async () => {
    fresh = await freshStore(backend);
    store = fresh.store;
  });
  afterAll(() => fresh.cleanup());

  it("adds a domain with the documented defaults", async () => {
    const d = await store.domains.add("Example.COM.");
    expect(d).toMatchObject({
      name: "example.com",
      smimeEnabled: true,
      directoryEnabled: true,
      unlockSeconds: 180,
      defaultCipher: "AES-256-CBC",
      hideSubjectWhenEncrypting: false,
    });
    expect(d.allowedCiphers).toContain("AES-256-CBC");
    expect(d.allowedCiphers).not.toContain("3DES-CBC");
    await expect(store.domains.add("example.com")).rejects.toMatchObject({ code: "conflict" });
    expect(await store.domains.get("EXAMPLE.com")).toMatchObject({ id: d.id });
  });

  it("stores internationalised domains as punycode and refuses non-domains", async () => {
    expect((await store.domains.add("bücher.example")).name).toBe("xn--bcher-kva.example");
    await expect(store.domains.add("exa mple")).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(store.domains.add("")).rejects.toThrow(StoreError);
  });

  it("changes domain settings and validates the default cipher against core's registry", async () => {
    await store.domains.add("set.example");
    const d = await store.domains.set("set.example", {
      smimeEnabled: false,
      directoryEnabled: false,
      unlockSeconds: 600,
      defaultCipher: "aes-128-gcm",
    });
    expect(d).toMatchObject({
      smimeEnabled: false,
      directoryEnabled: false,
      unlockSeconds: 600,
      defaultCipher: "AES-128-GCM",
    });
    await expect(store.domains.set("set.example", { defaultCipher: "RC2(40bit)" })).rejects.toThrow(
      /not a cipher Sealbox encrypts with/,
    );
    await expect(store.domains.set("set.example", { defaultCipher: "3DES-CBC" })).rejects.toThrow(
      /not among the domain's allowed/,
    );
    const legacy = await store.domains.set("set.example", {
      allowedCiphers: ["3DES-CBC", "AES-128-GCM"],
      defaultCipher: "3DES-CBC",
    });
    expect(legacy).toMatchObject({ allowedCiphers: ["3DES-CBC", "AES-128-GCM"], defaultCipher: "3DES-CBC" });
    await expect(store.domains.set("set.example", { allowedCiphers: ["AES-256-CBC"] })).rejects.toThrow(
      /default cipher/,
    );
    await expect(store.domains.set("set.example", { unlockSeconds: 0 })).rejects.toThrow(/unlock seconds/);
    await expect(store.domains.set("nope.example", { smimeEnabled: true })).rejects.toMatchObject({
      code: "not-found",
    });
    expect((await store.domains.list()).map((x) => x.name)).toContain("set.example");
  });

  it("adds an account with INBOX, Sent, Drafts, Trash and a selected address book", async () => {
    await expect(store.accounts.add("alice@nowhere.example", { password: "pw" })).rejects.toMatchObject({
      code: "not-found",
    });
    const { account, domainCreated } = await store.accounts.add("Alice@Acme.Example", {
      password: "s3cret",
      realName: "Alice A",
      createDomain: true,
    });
    expect(domainCreated).toBe(true);
    expect(account).toMatchObject({
      address: "Alice@acme.example",
      domain: "acme.example",
      realName: "Alice A",
      fromAddress: "Alice@acme.example",
      encryptionMethod: "AES-256-CBC",
      encryptionMethodSetting: null,
      smimeEnabled: true,
      disabled: false,
      role: "user",
    });
    const boxes = await store.mailboxes.list(account.id);
    expect(boxes.map((b) => b.name)).toEqual(["INBOX", "Sent", "Drafts", "Trash"]);
    const books = await store.addressBooks.list(account.id);
    expect(books).toHaveLength(1);
    expect(books[0]).toMatchObject({ name: "Contacts", selected: true, contacts: 0 });
    // Unique case-insensitively.
    await expect(store.accounts.add("ALICE@acme.example", { password: "x" })).rejects.toMatchObject({
      code: "conflict",
    });
    expect((await store.accounts.get("alice@ACME.example"))?.id).toBe(account.id);
  });

  it("never stores the login password, only a salted scrypt hash", async () => {
    await store.accounts.add("hash@acme.example", { password: "very-secret-password" });
    const row = await storeInternals(store)
      .db.selectFrom("accounts")
      .select("password_hash")
      .where("address_lower", "=", "hash@acme.example")
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$scrypt\$/);
    expect(row.password_hash).not.toContain("very-secret-password");
  });

  it("sets name, From, Encryption Method, S/MIME, disabled and role", async () => {
    await store.accounts.add("bob@acme.example", { password: "pw" });
    const bob = await store.accounts.set("bob@acme.example", {
      realName: "Bob B",
      fromAddress: "Robert@Acme.Example",
      encryptionMethod: "AES-128-CBC",
      smimeEnabled: false,
      disabled: true,
      role: "domain-admin",
    });
    expect(bob).toMatchObject({
      realName: "Bob B",
      fromAddress: "Robert@acme.example",
      encryptionMethod: "AES-128-CBC",
      encryptionMethodSetting: "AES-128-CBC",
      smimeSetting: false,
      smimeEnabled: false,
      disabled: true,
      role: "domain-admin",
    });
    const reset = await store.accounts.set("bob@acme.example", { fromAddress: null, encryptionMethod: null });
    expect(reset.fromAddress).toBe("bob@acme.example");
    expect(reset.encryptionMethod).toBe("AES-256-CBC");
    await expect(store.accounts.set("bob@acme.example", { encryptionMethod: "3DES-CBC" })).rejects.toThrow(
      /does not allow/,
    );
    await expect(store.accounts.set("bob@acme.example", { role: "root" as never })).rejects.toThrow(
      /role must be/,
    );
    await expect(store.accounts.set("ghost@acme.example", { realName: "x" })).rejects.toMatchObject({
      code: "not-found",
    });
  });

  it("makes S/MIME effective only when both the domain and the account allow it", async () => {
    await store.domains.add("smime.example");
    await store.accounts.add("carol@smime.example", { password: "pw" });
    expect((await store.accounts.require("carol@smime.example")).smimeEnabled).toBe(true);
    await store.domains.set("smime.example", { smimeEnabled: false });
    const off = await store.accounts.require("carol@smime.example");
    expect(off.smimeSetting).toBe(true);
    expect(off.smimeEnabled).toBe(false);
    await store.domains.set("smime.example", { smimeEnabled: true });
    await store.accounts.set("carol@smime.example", { smimeEnabled: false });
    expect((await store.accounts.require("carol@smime.example")).smimeEnabled).toBe(false);
  });

  it("follows the domain default cipher, and falls back when the domain stops allowing the account's choice", async () => {
    await store.domains.add("cipher.example");
    await store.accounts.add("dave@cipher.example", { password: "pw" });
    await store.domains.set("cipher.example", { defaultCipher: "AES-192-CBC" });
    expect((await store.accounts.require("dave@cipher.example")).encryptionMethod).toBe("AES-192-CBC");
    await store.accounts.set("dave@cipher.example", { encryptionMethod: "AES-256-GCM" });
    await store.domains.set("cipher.example", { allowedCiphers: ["AES-192-CBC"] });
    const dave = await store.accounts.require("dave@cipher.example");
    expect(dave.encryptionMethodSetting).toBe("AES-256-GCM");
    expect(dave.encryptionMethod).toBe("AES-192-CBC");
  });

  it("lists accounts, all or per domain", async () => {
    await store.domains.add("list.example");
    await store.accounts.add("z@list.example", { password: "pw" });
    await store.accounts.add("a@list.example", { password: "pw" });
    expect((await store.accounts.list("list.example")).map((a) => a.address)).toEqual([
      "a@list.example",
      "z@list.example",
    ]);
    expect((await store.accounts.list()).length).toBeGreaterThanOrEqual(4);
    await expect(store.accounts.list("missing.example")).rejects.toMatchObject({ code: "not-found" });
  });

  it("logs in with a uniform failure for unknown accounts and wrong passwords", async () => {
    await store.domains.add("login.example");
    await store.accounts.add("erin@login.example", { password: "right" });
    const ok = await store.login("ERIN@login.example", "right");
    expect(ok.ok && ok.account.address).toBe("erin@login.example");
    const wrong = await store.login("erin@login.example", "wrong");
    const unknown = await store.login("nobody@login.example", "right");
    const malformed = await store.login("not an address", "right");
    expect(wrong).toEqual({ ok: false, reason: "invalid-credentials" });
    expect(unknown).toEqual(wrong);
    expect(malformed).toEqual(wrong);
    await store.accounts.set("erin@login.example", { disabled: true });
    expect(await store.login("erin@login.example", "right")).toEqual({ ok: false, reason: "disabled" });
    expect(await store.login("erin@login.example", "wrong")).toEqual(wrong);
    await store.accounts.set("erin@login.example", { disabled: false, password: "new" });
    expect((await store.login("erin@login.example", "new")).ok).toBe(true);
    expect((await store.login("erin@login.example", "right")).ok).toBe(false);
  });

  it("removes an account with its mail, bytes included", async () => {
    await store.domains.add("rm.example");
    const { account } = await store.accounts.add("gone@rm.example", { password: "pw" });
    const inbox = await store.mailboxes.require(account.id, "INBOX");
    await store.messages.append(account.id, inbox.id, Buffer.from("Subject: x\r\n\r\nbody\r\n"));
    const blobsBefore = await storeInternals(store).db.selectFrom("message_blobs").select("id").execute();
    await store.accounts.remove("gone@rm.example");
    expect(await store.accounts.get("gone@rm.example")).toBeUndefined();
    const blobsAfter = await storeInternals(store).db.selectFrom("message_blobs").select("id").execute();
    expect(blobsAfter.length).toBe(blobsBefore.length - 1);
  });
});
