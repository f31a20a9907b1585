import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCrl } from "@sealbox/core";
import { openStore, type Store, silentLogger } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appCodeOf } from "../errors";
import { callerFor, signedIn } from "./test-support";

const SMP = "an admin test Secure Mail Password";

/** Like testStore(), with a public URL: issued certificates name its /pki/ca.crl. */
async function storeWithPublicUrl(): Promise<Store> {
  const base = mkdtempSync(join(tmpdir(), "sealbox-web-admin-"));
  return openStore(`sqlite:${join(base, "sealbox.db")}`, {
    base,
    logger: silentLogger,
    passwordHashing: { logN: 10, r: 8, p: 1 },
    serverSecret: Buffer.from("an admin test server secret of decent length"),
    publicUrl: "https://mail.admin.example",
  });
}

/** openssl in a scratch folder; returns the named output files' bytes. */
function opensslFiles(commands: string[][], outputs: string[]): Buffer[] {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-web-admin-ssl-"));
  try {
    for (const args of commands) execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    return outputs.map((f) => readFileSync(join(dir, f)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A self-signed CA certificate (PEM) made by openssl. */
function caPem(name: string): Buffer {
  const [pem] = opensslFiles(
    [
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
        ...["-subj", `/CN=${name}`, "-keyout", "k.pem", "-out", "c.pem", "-days", "30"],
        ...[
          "-addext",
          "basicConstraints=critical,CA:TRUE",
          "-addext",
          "keyUsage=critical,keyCertSign,cRLSign",
        ],
      ],
    ],
    ["c.pem"],
  );
  return pem as Buffer;
}

/** The tRPC code and store code of a refusal. */
async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; appCode: string | null; error: TRPCError }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return { code: error.code, appCode: appCodeOf(error), error };
  }
  throw new Error("expected a refusal");
}

describe("Admin over tRPC", () => {
  let store: Store;
  let root: Awaited<ReturnType<typeof callerFor>>["caller"];
  let oneAdmin: Awaited<ReturnType<typeof callerFor>>["caller"];
  let plain: Awaited<ReturnType<typeof callerFor>>["caller"];
  let oneAdminId: string;

  beforeAll(async () => {
    store = await storeWithPublicUrl();
    root = (await callerFor(store, (await signedIn(store, "root@srv.example", "server-admin")).token)).caller;
    const a = await signedIn(store, "admin@one.example", "domain-admin");
    oneAdminId = a.account.id;
    oneAdmin = (await callerFor(store, a.token)).caller;
    plain = (await callerFor(store, (await signedIn(store, "user@one.example")).token)).caller;
    await store.accounts.add("boss@one.example", { password: "pw", role: "server-admin" });
    await store.accounts.add("someone@two.example", { password: "pw", createDomain: true });
  }, 60_000);
  afterAll(() => store?.close());

  it("domains / domain: a server admin sees every domain, a domain admin only theirs; a user nothing", async () => {
    const all = await root.admin.domains();
    expect(all.serverAdmin).toBe(true);
    expect(all.domains.map((d) => d.name)).toEqual(["one.example", "srv.example", "two.example"]);
    const own = await oneAdmin.admin.domains();
    expect(own).toMatchObject({ serverAdmin: false, domains: [{ name: "one.example", smimeEnabled: true }] });
    expect(await oneAdmin.admin.domain({ domain: "ONE.example" })).toMatchObject({
      name: "one.example",
      unlockSeconds: 180,
      defaultCipher: "AES-256-CBC",
      ciphers: expect.arrayContaining(["AES-128-GCM", "AES-256-CBC"]),
    });
    expect((await refusal(oneAdmin.admin.domain({ domain: "two.example" }))).code).toBe("FORBIDDEN");
    // Another domain's name gets the same answer whether it exists or not.
    expect((await refusal(oneAdmin.admin.domain({ domain: "nowhere.example" }))).code).toBe("FORBIDDEN");
    expect((await refusal(root.admin.domain({ domain: "nowhere.example" }))).code).toBe("NOT_FOUND");
    expect((await refusal(plain.admin.domains())).code).toBe("FORBIDDEN");
  });

  it("addDomain: server admins only; a name taken is a conflict, a bad name a field error", async () => {
    expect(
      await root.admin.addDomain({ name: "Three.Example", smimeEnabled: false, directoryEnabled: true }),
    ).toMatchObject({ name: "three.example", smimeEnabled: false, directoryEnabled: true });
    expect(
      (
        await refusal(
          root.admin.addDomain({ name: "three.example", smimeEnabled: true, directoryEnabled: true }),
        )
      ).code,
    ).toBe("CONFLICT");
    expect(
      (await refusal(root.admin.addDomain({ name: "exa mple", smimeEnabled: true, directoryEnabled: true })))
        .appCode,
    ).toBe("invalid-argument");
    expect(
      (
        await refusal(
          oneAdmin.admin.addDomain({ name: "four.example", smimeEnabled: true, directoryEnabled: true }),
        )
      ).code,
    ).toBe("FORBIDDEN");
    expect(await store.domains.get("four.example")).toBeUndefined();
  });

  it("setDomain: S/MIME, directory, unlock lifetime, ciphers, hide subject; checked against each other", async () => {
    const set = await oneAdmin.admin.setDomain({
      domain: "one.example",
      smimeEnabled: false,
      directoryEnabled: false,
      unlockSeconds: 600,
      allowedCiphers: ["AES-128-GCM", "AES-256-GCM"],
      defaultCipher: "AES-128-GCM",
      hideSubject: true,
    });
    expect(set).toEqual({
      name: "one.example",
      smimeEnabled: false,
      directoryEnabled: false,
      unlockSeconds: 600,
      allowedCiphers: ["AES-128-GCM", "AES-256-GCM"],
      defaultCipher: "AES-128-GCM",
      hideSubject: true,
    });
    expect(await store.domains.require("one.example")).toMatchObject({
      hideSubjectWhenEncrypting: true,
      unlockSeconds: 600,
    });
    const clash = await refusal(
      oneAdmin.admin.setDomain({ domain: "one.example", allowedCiphers: ["AES-256-CBC"] }),
    );
    expect(clash).toMatchObject({ code: "BAD_REQUEST", appCode: "invalid-argument" });
    expect(clash.error.message).toContain("default cipher AES-128-GCM");
    const zero = await refusal(oneAdmin.admin.setDomain({ domain: "one.example", unlockSeconds: 0 }));
    expect(zero.code).toBe("BAD_REQUEST");
    expect(
      (await refusal(oneAdmin.admin.setDomain({ domain: "two.example", smimeEnabled: false }))).code,
    ).toBe("FORBIDDEN");
    expect((await store.domains.require("two.example")).smimeEnabled).toBe(true);
    // Back to the defaults for the rest of the file.
    await root.admin.setDomain({
      domain: "one.example",
      smimeEnabled: true,
      directoryEnabled: true,
      unlockSeconds: 180,
      allowedCiphers: null,
      defaultCipher: "AES-256-CBC",
      hideSubject: false,
    });
  });

  it("accounts / account: a domain's accounts for its admin; another domain's are refused", async () => {
    const list = await oneAdmin.admin.accounts({ domain: "one.example" });
    expect(list.map((a) => [a.address, a.role])).toEqual([
      ["admin@one.example", "domain-admin"],
      ["boss@one.example", "server-admin"],
      ["user@one.example", "user"],
    ]);
    expect(JSON.stringify(list)).not.toMatch(/scrypt|password/i);
    expect(await oneAdmin.admin.account({ address: "User@one.example" })).toMatchObject({
      address: "user@one.example",
      disabled: false,
      smime: true,
      smimeEnabled: true,
    });
    expect((await refusal(oneAdmin.admin.accounts({ domain: "two.example" }))).code).toBe("FORBIDDEN");
    expect((await refusal(oneAdmin.admin.account({ address: "someone@two.example" }))).code).toBe(
      "FORBIDDEN",
    );
    expect((await root.admin.accounts({ domain: "two.example" })).map((a) => a.address)).toEqual([
      "someone@two.example",
    ]);
  });

  it("addAccount: in the admin's domain, never as server admin unless a server admin adds it", async () => {
    const added = await oneAdmin.admin.addAccount({
      address: "new@one.example",
      realName: "New Person",
      role: "user",
      newPassword: "first password",
      reenterPassword: "first password",
    });
    expect(added).toMatchObject({ address: "new@one.example", realName: "New Person", role: "user" });
    expect((await store.login("new@one.example", "first password")).ok).toBe(true);
    const pair = { newPassword: "pw", reenterPassword: "pw", realName: "" };
    const escalate = await refusal(
      oneAdmin.admin.addAccount({ address: "evil@one.example", role: "server-admin", ...pair }),
    );
    expect(escalate).toMatchObject({ code: "FORBIDDEN" });
    expect(escalate.error.message).toMatch(/server administrator/);
    expect(
      (await refusal(oneAdmin.admin.addAccount({ address: "x@two.example", role: "user", ...pair }))).code,
    ).toBe("FORBIDDEN");
    const mismatch = await refusal(
      oneAdmin.admin.addAccount({
        address: "y@one.example",
        role: "user",
        realName: "",
        newPassword: "a",
        reenterPassword: "b",
      }),
    );
    expect(mismatch.code).toBe("BAD_REQUEST");
    expect(
      (await refusal(root.admin.addAccount({ address: "z@nowhere.example", role: "user", ...pair }))).code,
    ).toBe("NOT_FOUND");
    expect(
      await root.admin.addAccount({ address: "chief@two.example", role: "server-admin", ...pair }),
    ).toMatchObject({
      role: "server-admin",
    });
    expect(await store.accounts.get("evil@one.example")).toBeUndefined();
  });

  it("setAccount: disable (its sessions end), role, S/MIME; a domain admin cannot touch a server admin or grant it", async () => {
    const victim = await signedIn(store, "temp@one.example");
    expect(
      await oneAdmin.admin.setAccount({ address: "temp@one.example", disabled: true, smimeEnabled: false }),
    ).toMatchObject({ disabled: true, smime: false, smimeEnabled: false });
    expect(await store.sessions.resolve(victim.token)).toBeUndefined();
    expect(
      await oneAdmin.admin.setAccount({ address: "temp@one.example", disabled: false, role: "domain-admin" }),
    ).toMatchObject({
      disabled: false,
      role: "domain-admin",
    });
    for (const input of [
      { address: "temp@one.example", role: "server-admin" as const },
      { address: "boss@one.example", disabled: true },
      { address: "boss@one.example", role: "user" as const },
      { address: "admin@one.example", disabled: true },
      { address: "admin@one.example", role: "user" as const },
      { address: "someone@two.example", disabled: true },
    ])
      expect([input, (await refusal(oneAdmin.admin.setAccount(input))).code]).toEqual([input, "FORBIDDEN"]);
    expect(await store.accounts.require("boss@one.example")).toMatchObject({
      role: "server-admin",
      disabled: false,
    });
    expect((await store.accounts.byId(oneAdminId)).role).toBe("domain-admin");
    expect(await root.admin.setAccount({ address: "temp@one.example", role: "server-admin" })).toMatchObject({
      role: "server-admin",
    });
  });

  it("setPassword: a new login password; the account's sessions end; not for oneself or a server admin", async () => {
    const user = await signedIn(store, "forgot@one.example");
    await oneAdmin.admin.setPassword({
      address: "forgot@one.example",
      newPassword: "a new login password",
      reenterPassword: "a new login password",
    });
    expect(await store.sessions.resolve(user.token)).toBeUndefined();
    expect((await store.login("forgot@one.example", "a new login password")).ok).toBe(true);
    expect((await store.login("forgot@one.example", "login pw")).ok).toBe(false);
    const pw = { newPassword: "x", reenterPassword: "x" };
    expect((await refusal(oneAdmin.admin.setPassword({ address: "boss@one.example", ...pw }))).code).toBe(
      "FORBIDDEN",
    );
    expect((await refusal(oneAdmin.admin.setPassword({ address: "admin@one.example", ...pw }))).code).toBe(
      "FORBIDDEN",
    );
    expect((await refusal(oneAdmin.admin.setPassword({ address: "someone@two.example", ...pw }))).code).toBe(
      "FORBIDDEN",
    );
    expect(
      (
        await refusal(
          oneAdmin.admin.setPassword({
            address: "forgot@one.example",
            newPassword: "a",
            reenterPassword: "b",
          }),
        )
      ).code,
    ).toBe("BAD_REQUEST");
  });

  it("keyStatus: the certificate's description and revocation, never key material", async () => {
    expect(await oneAdmin.admin.keyStatus({ address: "user@one.example" })).toMatchObject({
      hasKey: false,
      earlierKeys: 0,
      revoked: false,
    });
    const user = await store.accounts.require("user@one.example");
    await store.secureMail.generate(user.id, SMP, { keyAlgorithm: "EC-P256" });
    const status = await oneAdmin.admin.keyStatus({ address: "user@one.example" });
    expect(status).toMatchObject({
      hasKey: true,
      subject: "CN=user@one.example",
      issuer: "CN=Sealbox Secure Mail CA",
      key: "EC P-256",
      revoked: false,
    });
    expect(Object.keys(status).sort()).toEqual(
      [
        "hasKey",
        "subject",
        "issuer",
        "serial",
        "notBefore",
        "notAfter",
        "key",
        "certificateSha256",
        "earlierKeys",
        "revoked",
      ].sort(),
    );
    expect((await refusal(oneAdmin.admin.keyStatus({ address: "someone@two.example" }))).code).toBe(
      "FORBIDDEN",
    );
  });

  it("ca / issued / revoke: server admins only; revoked by account, serial or SHA-256, listed in the CRL", async () => {
    for (const call of [oneAdmin.admin.ca(), oneAdmin.admin.issued(), plain.admin.ca()])
      expect((await refusal(call)).code).toBe("FORBIDDEN");
    expect(
      (
        await refusal(
          oneAdmin.admin.revoke({ by: "account", value: "user@one.example", reason: "keyCompromise" }),
        )
      ).code,
    ).toBe("FORBIDDEN");

    const ca = await root.admin.ca();
    expect(ca).toMatchObject({
      subject: "CN=Sealbox Secure Mail CA",
      source: "generated",
      crlDistributionPoint: "https://mail.admin.example/pki/ca.crl",
      certificatePath: "/pki/ca.crt",
      crlPath: "/pki/ca.crl",
    });
    const status = await root.admin.keyStatus({ address: "user@one.example" });
    const issued = await root.admin.issued();
    expect(issued).toEqual([
      expect.objectContaining({ serial: status.serial, account: "user@one.example", revokedAt: null }),
    ]);

    const revoked = await root.admin.revoke({
      by: "account",
      value: "user@one.example",
      reason: "keyCompromise",
    });
    expect(revoked).toMatchObject({ serial: status.serial, reason: "keyCompromise" });
    expect((await root.admin.keyStatus({ address: "user@one.example" })).revoked).toBe(true);
    const again = await refusal(
      root.admin.revoke({ by: "serial", value: status.serial!, reason: "superseded" }),
    );
    expect(again.code).toBe("CONFLICT");
    const badSerial = await refusal(
      root.admin.revoke({ by: "serial", value: "xyz", reason: "keyCompromise" }),
    );
    expect(badSerial.code).toBe("BAD_REQUEST");
    expect(badSerial.error.cause).toMatchObject({ field: "serial" });
    expect(
      (await refusal(root.admin.revoke({ by: "sha256", value: "a".repeat(64), reason: "keyCompromise" })))
        .code,
    ).toBe("NOT_FOUND");
    expect(
      (
        await refusal(
          root.admin.revoke({ by: "account", value: "user@one.example", reason: "removeFromCRL" as never }),
        )
      ).code,
    ).toBe("BAD_REQUEST");

    const other = await store.accounts.require("someone@two.example");
    const otherStatus = await store.secureMail.generate(other.id, SMP, { keyAlgorithm: "EC-P256" });
    await root.admin.revoke({
      by: "sha256",
      value: otherStatus.certificateSha256!,
      reason: "affiliationChanged",
    });
    const crl = parseCrl(await store.ca.publishedCrl());
    expect([...crl.revoked.keys()].sort()).toEqual(
      [BigInt(`0x${status.serial}`), BigInt(`0x${otherStatus.serial}`)].sort(),
    );
  });

  it("installCa: a corporate CA from a PFX becomes the issuing CA; a wrong password is named", async () => {
    const [pfx] = opensslFiles(
      [
        [
          ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Corp Admin CA"],
          ...["-keyout", "k.pem", "-out", "c.pem", "-days", "365"],
          ...[
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
          ],
        ],
        ["pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-out", "ca.pfx", "-passout", "pass:corp"],
      ],
      ["ca.pfx"],
    );
    const b64 = (pfx as Buffer).toString("base64");
    expect((await refusal(oneAdmin.admin.installCa({ pfx: b64, filePassword: "corp" }))).code).toBe(
      "FORBIDDEN",
    );
    expect((await refusal(root.admin.installCa({ pfx: b64, filePassword: "nope" }))).appCode).toBe(
      "wrong-password",
    );
    expect(await root.admin.installCa({ pfx: b64, filePassword: "corp" })).toMatchObject({
      subject: "CN=Corp Admin CA",
    });
    expect(await root.admin.ca()).toMatchObject({ subject: "CN=Corp Admin CA", source: "installed" });
    const user = await store.accounts.require("new@one.example");
    await store.secureMail.generate(user.id, SMP, { keyAlgorithm: "EC-P256" });
    expect((await root.admin.keyStatus({ address: "new@one.example" })).issuer).toBe("CN=Corp Admin CA");
    expect((await root.admin.issued()).filter((c) => c.currentCa).map((c) => c.account)).toEqual([
      "new@one.example",
    ]);
  });

  it("trust anchors: upload (several in one PEM), list by where the trust comes from, remove; own domain only", async () => {
    const file = Buffer.concat([caPem("Anchor One"), caPem("Anchor Two")]).toString("base64");
    const added = await oneAdmin.admin.addTrustAnchor({ domain: "one.example", file });
    expect(added.added.map((a) => a.subject)).toEqual(["CN=Anchor One", "CN=Anchor Two"]);
    expect(
      (await oneAdmin.admin.addTrustAnchor({ domain: "one.example", file })).alreadyTrusted,
    ).toHaveLength(2);
    const list = await oneAdmin.admin.trustAnchors({ domain: "one.example" });
    expect(list.filter((a) => a.scope === "domain").map((a) => a.subject)).toEqual([
      "CN=Anchor One",
      "CN=Anchor Two",
    ]);
    expect(list.filter((a) => a.scope === "server-ca").map((a) => a.subject)).toContain(
      "CN=Sealbox Secure Mail CA",
    );
    const bad = await refusal(
      oneAdmin.admin.addTrustAnchor({
        domain: "one.example",
        file: Buffer.from("not a cert").toString("base64"),
      }),
    );
    expect(bad).toMatchObject({ code: "BAD_REQUEST", appCode: "invalid-argument" });

    await oneAdmin.admin.removeTrustAnchor({
      domain: "one.example",
      sha256: added.added[0]!.sha256.toUpperCase(),
    });
    expect(
      (await oneAdmin.admin.trustAnchors({ domain: "one.example" })).filter((a) => a.scope === "domain"),
    ).toHaveLength(1);
    const serverCa = list.find((a) => a.scope === "server-ca")!;
    expect(
      (await refusal(oneAdmin.admin.removeTrustAnchor({ domain: "one.example", sha256: serverCa.sha256 })))
        .code,
    ).toBe("FORBIDDEN");
    for (const call of [
      oneAdmin.admin.trustAnchors({ domain: "two.example" }),
      oneAdmin.admin.addTrustAnchor({ domain: "two.example", file }),
      oneAdmin.admin.removeTrustAnchor({ domain: "two.example", sha256: added.added[1]!.sha256 }),
    ])
      expect((await refusal(call)).code).toBe("FORBIDDEN");
    expect((await store.trustAnchors.list("two.example")).filter((a) => a.source === "configured")).toEqual(
      [],
    );
  });

  it("directory: the domain's addresses with a published certificate, none while the directory is off", async () => {
    const dir = await oneAdmin.admin.directory({ domain: "one.example" });
    expect(dir.enabled).toBe(true);
    // user@'s certificate was revoked but is still its current one: the directory still answers for it.
    expect(dir.entries.map((e) => e.address)).toEqual(["new@one.example", "user@one.example"]);
    expect(dir.entries[0]).toMatchObject({
      subject: "CN=New Person",
      realName: "New Person",
      fromAddress: null,
    });
    await oneAdmin.admin.setDomain({ domain: "one.example", directoryEnabled: false });
    expect(await oneAdmin.admin.directory({ domain: "one.example" })).toEqual({
      enabled: false,
      entries: [],
    });
    await oneAdmin.admin.setDomain({ domain: "one.example", directoryEnabled: true });
    expect((await refusal(oneAdmin.admin.directory({ domain: "two.example" }))).code).toBe("FORBIDDEN");
  });
});
