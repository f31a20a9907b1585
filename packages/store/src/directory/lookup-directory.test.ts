import type { Certificate } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, opensslCertificate } from "../../test/fresh-store.js";
import { newId } from "../ids.js";
import { storeInternals } from "../internals.js";
import type { Store } from "../open-store.js";

let aliceCert: Certificate;
let aliceOld: Certificate;
beforeAll(() => {
  aliceCert = opensslCertificate("Alice", ["alice@dir.example"]);
  aliceOld = opensslCertificate("Alice (old)", ["alice@dir.example"]);
});

describe.each(backends)("directory on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  beforeAll(async () => {
    fresh = await freshStore(backend);
    store = fresh.store;
  });
  afterAll(() => fresh.cleanup());

  /** Secure mail keys are written by the secure-mail use-cases; here the rows are put in directly. */
  async function putKey(accountId: string, cert: Certificate, state: "current" | "earlier") {
    const id = newId();
    await storeInternals(store)
      .db.insertInto("secure_mail_keys")
      .values({
        id,
        account_id: accountId,
        certificate: cert.der,
        certificate_sha256: cert.sha256,
        chain: new Uint8Array(),
        sealed_key: Buffer.from("sealed, not plaintext"),
        state,
        not_after: cert.notAfter.getTime(),
        created_at: Date.now(),
      })
      .execute();
    return id;
  }

  it("publishes the current key's certificate only while every switch is on", async () => {
    const { account } = await store.accounts.add("alice@dir.example", { password: "pw", createDomain: true });
    expect(await store.lookupDirectory("alice@dir.example")).toBeUndefined();
    await putKey(account.id, aliceOld, "earlier");
    expect(await store.lookupDirectory("alice@dir.example")).toBeUndefined();
    const current = await putKey(account.id, aliceCert, "current");
    const entry = await store.lookupDirectory("ALICE@dir.example");
    expect(entry).toMatchObject({
      accountId: account.id,
      address: "alice@dir.example",
      sha256: aliceCert.sha256,
    });
    expect(Buffer.from(entry!.certificate).equals(Buffer.from(aliceCert.der))).toBe(true);

    await store.domains.set("dir.example", { directoryEnabled: false });
    expect(await store.lookupDirectory("alice@dir.example")).toBeUndefined();
    await store.domains.set("dir.example", { directoryEnabled: true, smimeEnabled: false });
    expect(await store.lookupDirectory("alice@dir.example")).toBeUndefined();
    await store.domains.set("dir.example", { smimeEnabled: true });
    await store.accounts.set("alice@dir.example", { smimeEnabled: false });
    expect(await store.lookupDirectory("alice@dir.example")).toBeUndefined();
    await store.accounts.set("alice@dir.example", { smimeEnabled: true, disabled: true });
    expect(await store.lookupDirectory("alice@dir.example")).toBeUndefined();
    await store.accounts.set("alice@dir.example", { disabled: false });
    expect((await store.lookupDirectory("alice@dir.example"))?.sha256).toBe(aliceCert.sha256);

    // Removing the key (what secure-mail remove does) unpublishes it at once.
    await storeInternals(store).db.deleteFrom("secure_mail_keys").where("id", "=", current).execute();
    expect(await store.lookupDirectory("alice@dir.example")).toBeUndefined();
    await putKey(account.id, aliceCert, "current");
  });

  it("finds an account by its From address too, its own address first", async () => {
    const { account } = await store.accounts.add("a.smith@dir.example", { password: "pw" });
    await store.accounts.set("a.smith@dir.example", { fromAddress: "Alias@dir.example" });
    await putKey(account.id, aliceOld, "current");
    expect((await store.lookupDirectory("alias@dir.example"))?.accountId).toBe(account.id);
    // alice@ is someone's own address: that account wins even if another sends from it.
    await store.accounts.set("a.smith@dir.example", { fromAddress: "alice@dir.example" });
    expect((await store.lookupDirectory("alice@dir.example"))?.address).toBe("alice@dir.example");
  });

  it("lists a domain's published addresses by the same rule, and nothing while its directory is off", async () => {
    await store.accounts.add("nokey@dir.example", { password: "pw" });
    const { account: elsewhere } = await store.accounts.add("eve@list-other.example", {
      password: "pw",
      createDomain: true,
    });
    await putKey(elsewhere.id, aliceOld, "current");
    const listed = await store.listDirectory("DIR.example");
    expect(listed.map((e) => e.address)).toEqual(["a.smith@dir.example", "alice@dir.example"]);
    expect(listed[1]).toMatchObject({
      fromAddress: null,
      subject: expect.stringContaining("CN=Alice"),
      sha256: aliceCert.sha256,
    });
    expect(listed[0]?.fromAddress).toBe("alice@dir.example");
    expect(JSON.stringify(listed)).not.toContain("sealed");
    await store.accounts.set("a.smith@dir.example", { disabled: true });
    expect((await store.listDirectory("dir.example")).map((e) => e.address)).toEqual(["alice@dir.example"]);
    await store.domains.set("dir.example", { directoryEnabled: false });
    expect(await store.listDirectory("dir.example")).toEqual([]);
    await store.domains.set("dir.example", { directoryEnabled: true });
    await store.accounts.set("a.smith@dir.example", { disabled: false });
    await expect(store.listDirectory("nowhere.example")).rejects.toMatchObject({ code: "not-found" });
  });

  it("refuses a second current key for an account (the partial unique index)", async () => {
    const { account } = await store.accounts.add("twice@dir.example", { password: "pw" });
    await putKey(account.id, aliceCert, "current");
    await expect(putKey(account.id, aliceOld, "current")).rejects.toThrow();
    await putKey(account.id, aliceOld, "earlier");
  });
});
