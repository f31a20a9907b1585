import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa, exportPfx, issueUserCertificate } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore } from "../../test/fresh-store.js";
import type { Store } from "../open-store.js";

const PW = "key lifecycle password";

/** A PFX made by openssl (self-signed, RSA) with the given subject and extensions. */
function opensslPfx(subject: string, extensions: string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-pfx-"));
  try {
    const [key, cert, pfx] = ["k.pem", "c.pem", "c.pfx"].map((f) => join(dir, f)) as [string, string, string];
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        subject,
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "30",
      ].concat(extensions.flatMap((e) => ["-addext", e])),
      { stdio: "pipe" },
    );
    execFileSync(
      "openssl",
      ["pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx, "-passout", "pass:f"],
      {
        stdio: "pipe",
      },
    );
    return new Uint8Array(readFileSync(pfx));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(backends)("Secure Mail key lifecycle on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;

  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: Buffer.from("key lifecycle server secret") });
    store = fresh.store;
    await store.accounts.add("owner@life.example", { password: "pw", createDomain: true });
    await store.accounts.add("other@life.example", { password: "pw" });
    await store.accounts.add("someone@elsewhere.example", { password: "pw", createDomain: true });
  }, 60_000);
  afterAll(() => fresh.cleanup());

  it("generate certifies the From address when it belongs to the account, else the account address", async () => {
    const cases: Array<[string, string | null, string]> = [
      ["from-alias@life.example", null, "from-alias@life.example"],
      ["from-sales@life.example", "Sales@Life.example", "Sales@life.example"],
      // Another account's address is not this account's to certify…
      ["from-other@life.example", "other@life.example", "from-other@life.example"],
      // …and neither is an address on a domain the account does not belong to.
      ["from-away@life.example", "someone@elsewhere.example", "from-away@life.example"],
      ["from-gone@life.example", "x@not-hosted.example", "from-gone@life.example"],
    ];
    for (const [address, from, expected] of cases) {
      const account = (await store.accounts.add(address, { password: "pw" })).account;
      if (from) await store.accounts.set(address, { fromAddress: from });
      const status = await store.secureMail.generate(account.id, PW, { keyAlgorithm: "EC-P256" });
      expect(status.email?.toLowerCase(), `${address} From ${from}`).toBe(expected.toLowerCase());
    }
  });

  // Regression: importing the PFX of the key that is already current (a restore from backup,
  // or a double click) used to file it again as an earlier key AND revoke the current
  // certificate as "superseded" — so the directory then published a revoked certificate.
  it("importing the current key's own PFX changes nothing and revokes nothing", async () => {
    const account = (await store.accounts.add("restore@life.example", { password: "pw" })).account;
    const before = await store.secureMail.generate(account.id, PW, { keyAlgorithm: "EC-P256" });
    const pfx = await store.secureMail.exportPfx(account.id, PW, "file");
    const after = await store.secureMail.importPfx(account.id, pfx, "file", PW);
    expect(after).toEqual(before);
    expect(await store.ca.isRevoked(before.certificateSha256!)).toBe(false);
    expect((await store.lookupDirectory("restore@life.example"))?.sha256).toBe(before.certificateSha256);
  });

  it("importing an earlier key's PFX makes it current again without a duplicate", async () => {
    const account = (await store.accounts.add("back@life.example", { password: "pw" })).account;
    const foreign = await createCa({ name: "Foreign CA", keyAlgorithm: "EC-P256" });
    const issued = await issueUserCertificate(foreign, {
      email: "back@life.example",
      keyAlgorithm: "EC-P256",
    });
    const pfx = exportPfx(
      { privateKey: issued.privateKey!, certificate: issued.certificate, chain: [] },
      "f",
    );
    const imported = await store.secureMail.importPfx(account.id, pfx, "f", PW);
    const generated = await store.secureMail.generate(account.id, PW, { keyAlgorithm: "EC-P256" });
    expect(generated.earlierKeys).toBe(1);
    const back = await store.secureMail.importPfx(account.id, pfx, "f", PW);
    expect(back).toMatchObject({ certificateSha256: imported.certificateSha256, earlierKeys: 1 });
    // The generated one it replaced is now earlier and revoked by the server CA.
    expect(await store.ca.isRevoked(generated.certificateSha256!)).toBe(true);
    expect(await store.secureMail.identities(account.id, PW)).toHaveLength(2);
  });

  it("a certificate not for e-mail (no address, or another extended key usage) is refused", async () => {
    const account = (await store.accounts.add("web-only@life.example", { password: "pw" })).account;
    const serverOnly = opensslPfx("/CN=Web Only/emailAddress=web-only@life.example", [
      "subjectAltName=email:web-only@life.example",
      "extendedKeyUsage=serverAuth",
    ]);
    const noAddress = opensslPfx("/CN=Nobody", ["extendedKeyUsage=emailProtection"]);
    for (const pfx of [serverOnly, noAddress])
      await expect(store.secureMail.importPfx(account.id, pfx, "f", PW)).rejects.toMatchObject({
        code: "invalid-argument",
        message: expect.stringContaining("not for e-mail"),
      });
    expect((await store.secureMail.status(account.id)).hasKey).toBe(false);
    const mail = opensslPfx("/CN=Mail/emailAddress=web-only@life.example", [
      "subjectAltName=email:web-only@life.example",
      "extendedKeyUsage=emailProtection",
    ]);
    expect((await store.secureMail.importPfx(account.id, mail, "f", PW)).hasKey).toBe(true);
  });

  it("a certificate the server CA revoked cannot be imported as current again", async () => {
    const account = (await store.accounts.add("revoked@life.example", { password: "pw" })).account;
    const first = await store.secureMail.generate(account.id, PW, { keyAlgorithm: "EC-P256" });
    const pfx = await store.secureMail.exportPfx(account.id, PW, "file");
    await store.secureMail.generate(account.id, PW, { keyAlgorithm: "EC-P256" });
    expect(await store.ca.isRevoked(first.certificateSha256!)).toBe(true);
    await expect(store.secureMail.importPfx(account.id, pfx, "file", PW)).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringContaining("revoked"),
    });
    expect((await store.secureMail.status(account.id)).earlierKeys).toBe(1);
  });
});
