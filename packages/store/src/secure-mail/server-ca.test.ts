import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRL_REASONS, parseCrl } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, opensslCertificate } from "../../test/fresh-store.js";
import { openStore, type Store } from "../open-store.js";
import { crlUrlFor } from "./server-ca.js";

const PW = "server CA test password";
const SECRET = Buffer.from("server CA test server secret");

/** `openssl x509 -text` of a DER certificate (the independent reader of what we wrote). */
function opensslText(der: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-ca-text-"));
  try {
    writeFileSync(join(dir, "c.der"), der);
    return execFileSync("openssl", ["x509", "-inform", "DER", "-in", join(dir, "c.der"), "-noout", "-text"], {
      encoding: "utf8",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("crlUrlFor", () => {
  it("appends /pki/ca.crl to an http(s) origin or path prefix, and refuses anything else", () => {
    expect(crlUrlFor("https://mail.example.test")).toBe("https://mail.example.test/pki/ca.crl");
    expect(crlUrlFor("https://mail.example.test/")).toBe("https://mail.example.test/pki/ca.crl");
    expect(crlUrlFor("http://127.0.0.1:3000/sealbox//")).toBe("http://127.0.0.1:3000/sealbox/pki/ca.crl");
    for (const bad of [
      "mail.example.test",
      "ftp://mail.example.test",
      "https://mail.example.test/?x=1",
      "https://mail.example.test/#top",
      "https://user:pw@mail.example.test",
    ])
      expect(() => crlUrlFor(bad), bad).toThrow(expect.objectContaining({ code: "invalid-argument" }));
  });
});

describe.each(backends)("server CA administration on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    fresh = await freshStore(backend, {
      serverSecret: SECRET,
      publicUrl: "https://mail.example.test:8443/",
    });
    store = fresh.store;
    aliceId = (await store.accounts.add("alice@ca.example", { password: "pw", createDomain: true })).account
      .id;
    bobId = (await store.accounts.add("bob@ca.example", { password: "pw" })).account.id;
    await store.secureMail.generate(aliceId, PW, { keyAlgorithm: "EC-P256" });
    await store.secureMail.generate(bobId, PW, { keyAlgorithm: "EC-P256" });
  }, 60_000);
  afterAll(() => fresh.cleanup());

  it("certificates it issues name <public URL>/pki/ca.crl as their CRL distribution point", async () => {
    const current = await store.secureMail.currentCertificate(aliceId);
    const text = opensslText(current!.certificate.der);
    expect(text).toContain("X509v3 CRL Distribution Points");
    expect(text).toContain("URI:https://mail.example.test:8443/pki/ca.crl");
    expect(store.ca.crlDistributionPoint).toBe("https://mail.example.test:8443/pki/ca.crl");
  });

  it("without a public URL there is no distribution point; a bad one stops the store from opening", async () => {
    const plain = await freshStore(backend, { serverSecret: SECRET });
    try {
      const { account } = await plain.store.accounts.add("p@plain.example", {
        password: "pw",
        createDomain: true,
      });
      await plain.store.secureMail.generate(account.id, PW, { keyAlgorithm: "EC-P256" });
      const current = await plain.store.secureMail.currentCertificate(account.id);
      expect(opensslText(current!.certificate.der)).not.toContain("CRL Distribution Points");
    } finally {
      await plain.cleanup();
    }
    // Refused before anything is opened or created.
    const base = mkdtempSync(join(tmpdir(), "sealbox-ca-url-"));
    await expect(
      openStore(`sqlite:${join(base, "sealbox.db")}`, { base, publicUrl: "mail.example.test" }),
    ).rejects.toMatchObject({ code: "invalid-argument" });
    expect(existsSync(join(base, "sealbox.db"))).toBe(false);
    rmSync(base, { recursive: true, force: true });
  });

  it("revokes an account's current certificate, by serial and by SHA-256; each shows in the CRL and in isRevoked", async () => {
    const alice = await store.secureMail.status(aliceId);
    const revoked = await store.ca.revokeCertificate({ account: "ALICE@ca.example" });
    expect(revoked).toMatchObject({
      serial: alice.serial,
      sha256: alice.certificateSha256,
      account: "alice@ca.example",
      reason: "keyCompromise",
      currentCa: true,
    });
    expect(await store.ca.isRevoked(alice.certificateSha256!)).toBe(true);
    await expect(store.ca.revokeCertificate({ serial: alice.serial!.toUpperCase() })).rejects.toMatchObject({
      code: "conflict",
    });
    // The key stays: old mail still opens; only the certificate is no longer good.
    expect((await store.secureMail.status(aliceId)).hasKey).toBe(true);

    const bob = await store.secureMail.status(bobId);
    const colons = bob.serial!.match(/../g)!.join(":").toUpperCase();
    expect(await store.ca.revokeCertificate({ serial: colons }, "affiliationChanged")).toMatchObject({
      account: "bob@ca.example",
      reason: "affiliationChanged",
    });
    const crl = parseCrl(await store.ca.crl());
    expect(crl.revoked.get(BigInt(`0x${alice.serial}`))?.reason).toBe(CRL_REASONS.keyCompromise);
    expect(crl.revoked.get(BigInt(`0x${bob.serial}`))?.reason).toBe(CRL_REASONS.affiliationChanged);

    // Bob's certificate is revoked already (affiliationChanged): again is a conflict, unless the
    // administrator learns the key was compromised, which changes the reason (and reaches back).
    await store.secureMail.generate(bobId, PW, { keyAlgorithm: "EC-P256" });
    await expect(
      store.ca.revokeCertificate({ sha256: bob.certificateSha256! }, "superseded"),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(await store.ca.revokeCertificate({ sha256: bob.certificateSha256! })).toMatchObject({
      reason: "keyCompromise",
    });
    await expect(store.ca.revokeCertificate({ sha256: bob.certificateSha256! })).rejects.toMatchObject({
      code: "conflict",
    });
    const newBob = await store.secureMail.status(bobId);
    await store.ca.revokeCertificate({ sha256: newBob.certificateSha256!.toUpperCase() }, "superseded");
    expect(await store.ca.isRevoked(newBob.certificateSha256!)).toBe(true);
  });

  it("refuses what it did not issue, an account without a key, bad input and unknown reasons", async () => {
    const imported = opensslCertificate("Stranger", ["stranger@ca.example"]);
    await expect(store.ca.revokeCertificate({ sha256: imported.sha256 })).rejects.toMatchObject({
      code: "not-found",
    });
    await expect(store.ca.revokeCertificate({ serial: "0123" })).rejects.toMatchObject({ code: "not-found" });
    await store.accounts.add("nokey@ca.example", { password: "pw" });
    await expect(store.ca.revokeCertificate({ account: "nokey@ca.example" })).rejects.toMatchObject({
      code: "no-key",
    });
    await expect(store.ca.revokeCertificate({ serial: "not hex" })).rejects.toMatchObject({
      code: "invalid-argument",
      field: "serial",
    });
    await expect(store.ca.revokeCertificate({ sha256: "abc" })).rejects.toMatchObject({
      code: "invalid-argument",
      field: "sha256",
    });
    await expect(
      store.ca.revokeCertificate({ account: "alice@ca.example" }, "removeFromCRL" as never),
    ).rejects.toMatchObject({ code: "invalid-argument" });
  });

  it("lists what it issued, newest first, with the account and the revocation", async () => {
    const issued = await store.ca.issuedCertificates();
    expect(issued).toHaveLength(3);
    expect(issued.every((c) => c.currentCa && c.revokedAt !== null)).toBe(true);
    expect(issued.map((c) => c.account).sort()).toEqual([
      "alice@ca.example",
      "bob@ca.example",
      "bob@ca.example",
    ]);
    expect(issued[0]?.issuedAt).toBeGreaterThanOrEqual(issued[2]?.issuedAt ?? 0);
    expect(JSON.stringify(issued)).not.toMatch(/sealed|PRIVATE/);
  });

  it("publishes one CRL until a revocation changes it, then a new one that lists it", async () => {
    const first = await store.ca.publishedCrl();
    const [again, together] = await Promise.all([store.ca.publishedCrl(), store.ca.publishedCrl()]);
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(together).equals(Buffer.from(first))).toBe(true);
    const carolId = (await store.accounts.add("carol@ca.example", { password: "pw" })).account.id;
    const carol = await store.secureMail.generate(carolId, PW, { keyAlgorithm: "EC-P256" });
    // Issuing changes nothing published…
    expect(Buffer.from(await store.ca.publishedCrl()).equals(Buffer.from(first))).toBe(true);
    // …revoking does, at once.
    await store.ca.revokeCertificate({ account: "carol@ca.example" });
    const next = parseCrl(await store.ca.publishedCrl());
    expect(next.revoked.has(BigInt(`0x${carol.serial}`))).toBe(true);
    expect(next.crlNumber).toBeGreaterThan(parseCrl(first).crlNumber ?? 0n);
    expect(next.issuer).toBe((await store.ca.ensure()).certificate.subject);
  });
});
