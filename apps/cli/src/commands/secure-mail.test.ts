import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStore, type Store, silentLogger } from "@sealbox/store";
import { beforeAll, describe, expect, it } from "vitest";
import { openssl, opensslReport, opensslSha256, opensslUserPfx, pemBlock } from "../test-support/openssl.js";
import { cli, tempHome } from "../test-support/run-cli.js";

const ALICE = "alice@keys.example";
const ENV = {
  PW: "login password 7",
  SMP: "Sécure Mail Pässwörd 1",
  SMP2: "a new Secure Mail Password 2",
  FP: "pfx file password",
  WRONG: "not the Secure Mail Password",
};
/** The documented `secure-mail status --json` fields; more may follow. */
const CONTRACT = [
  "hasKey",
  "email",
  "certificateSha256",
  "notAfter",
  "keyAlgorithm",
  "keySize",
  "earlierKeys",
];

describe("sealbox secure-mail", () => {
  let home: string;
  let first: { pfx: string; cert: string };
  let legacy: { pfx: string; cert: string };
  const run = (args: string[], input?: Buffer | string) =>
    cli(home, args, { env: ENV, ...(input !== undefined ? { input } : {}) });
  const status = async () => {
    const r = await run(["secure-mail", "status", ALICE, "--json"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const contract = (s: Record<string, unknown>) => Object.fromEntries(CONTRACT.map((k) => [k, s[k]]));
  /** notAfter as OpenSSL reads it, in the JSON's ISO form. */
  const notAfter = (cert: string) =>
    new Date(
      openssl(["x509", "-in", cert, "-noout", "-enddate"], { cwd: home }).trim().replace("notAfter=", ""),
    ).toISOString();
  const exportTo = (out: string, passwordVar: string, extra: string[] = []) =>
    run([
      "secure-mail",
      "export",
      ALICE,
      "--secure-password-env",
      passwordVar,
      "--out",
      out,
      "--file-password-env",
      "FP",
      ...extra,
    ]);

  beforeAll(async () => {
    home = tempHome();
    expect((await run(["account", "add", ALICE, "--password-env", "PW"])).code).toBe(0);
    first = opensslUserPfx(home, "first", ALICE, "FP", ENV);
    legacy = opensslUserPfx(home, "legacy", ALICE, "FP", ENV, { legacy: true });
  });

  it("status without a key is exactly {hasKey:false, earlierKeys:0}, exit 0; an unknown account is exit 1", async () => {
    expect(await status()).toEqual({ hasKey: false, earlierKeys: 0 });
    const unknown = await run(["secure-mail", "status", "nobody@keys.example", "--json"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^sealbox: .*nobody@keys\.example/);
  });

  it("imports an OpenSSL PFX under a new Secure Mail Password; status shows the certificate OpenSSL fingerprints", async () => {
    const r = await run([
      "secure-mail",
      "import",
      ALICE,
      "--pfx",
      first.pfx,
      "--password-env",
      "FP",
      "--secure-password-env",
      "SMP",
    ]);
    expect(r.code).toBe(0);
    expect(contract(await status())).toEqual({
      hasKey: true,
      email: ALICE,
      certificateSha256: opensslSha256(home, { file: first.cert }),
      notAfter: notAfter(first.cert),
      keyAlgorithm: "RSA",
      keySize: 2048,
      earlierKeys: 0,
    });
  });

  it("replacing needs the current Secure Mail Password; an OpenSSL -legacy PFX imports; the old key becomes earlier", async () => {
    const args = ["secure-mail", "import", ALICE, "--pfx", legacy.pfx];
    const wrong = await run([...args, "--password-env", "FP", "--secure-password-env", "WRONG"]);
    expect(wrong).toMatchObject({ code: 1, stderr: "sealbox: wrong Secure Mail Password\n" });
    const wrongFile = await run([...args, "--password-env", "WRONG", "--secure-password-env", "SMP"]);
    expect(wrongFile.code).toBe(1);
    expect(wrongFile.stderr).toMatch(/^sealbox: .*password/i);
    expect((await status()).certificateSha256).toBe(opensslSha256(home, { file: first.cert }));
    expect((await run([...args, "--password-env", "FP", "--secure-password-env", "SMP"])).code).toBe(0);
    expect(contract(await status())).toMatchObject({
      certificateSha256: opensslSha256(home, { file: legacy.cert }),
      earlierKeys: 1,
    });
  });

  it("generates a key and a server-CA certificate for the account address (the current password again)", async () => {
    const r = await run(["secure-mail", "generate", ALICE, "--secure-password-env", "SMP", "--json"]);
    expect(r.code).toBe(0);
    const s = await status();
    expect(JSON.parse(r.stdout)).toEqual(s);
    expect(contract(s)).toMatchObject({
      hasKey: true,
      email: ALICE,
      keyAlgorithm: "RSA",
      keySize: 2048,
      earlierKeys: 2,
    });
    expect(s.issuer).toBe("CN=Sealbox Secure Mail CA");
  });

  it("exports a PFX OpenSSL reads (modern; --legacy needs -legacy): the current certificate and its key", async () => {
    const s = await status();
    for (const legacyFlag of [false, true]) {
      const out = join(home, legacyFlag ? "export-legacy.p12" : "export.p12");
      const r = await exportTo(out, "SMP", legacyFlag ? ["--legacy"] : []);
      expect(r).toMatchObject({ code: 0, stdout: `wrote ${out}\n` });
      const pem = openssl(
        ["pkcs12", ...(legacyFlag ? ["-legacy"] : []), "-in", out, "-passin", "env:FP", "-nodes", "-clcerts"],
        { cwd: home, env: ENV },
      );
      const cert = pemBlock(pem, "CERTIFICATE");
      const key = pemBlock(pem, "PRIVATE KEY");
      expect(opensslSha256(home, { pem: cert })).toBe(s.certificateSha256);
      expect(openssl(["pkey", "-pubout"], { cwd: home, input: key })).toBe(
        openssl(["x509", "-noout", "-pubkey"], { cwd: home, input: cert }),
      );
      // What OpenSSL says the file is made of: legacy = 3DES bags and a SHA-1 MAC (what old
      // Windows and macOS import); modern = PBES2/AES-256 and a SHA-256 MAC.
      const info = opensslReport(
        ["pkcs12", ...(legacyFlag ? ["-legacy"] : []), "-in", out, "-passin", "env:FP", "-info", "-noout"],
        { cwd: home, env: ENV },
      );
      expect(info).toContain(legacyFlag ? "MAC: sha1" : "MAC: sha256");
      expect(info).toContain(legacyFlag ? "pbeWithSHA1And3-KeyTripleDES-CBC" : "PBES2, PBKDF2, AES-256-CBC");
      expect(info).not.toContain(legacyFlag ? "AES" : "TripleDES");
    }
  });

  it("passwd re-seals current and earlier keys: the old password fails afterwards, the new one opens mail for an earlier key", async () => {
    const r = await run([
      "secure-mail",
      "passwd",
      ALICE,
      "--secure-password-env",
      "SMP",
      "--new-secure-password-env",
      "SMP2",
    ]);
    expect(r.code).toBe(0);
    expect((await exportTo(join(home, "old.p12"), "SMP")).stderr).toBe(
      "sealbox: wrong Secure Mail Password\n",
    );
    expect((await exportTo(join(home, "new.p12"), "SMP2")).code).toBe(0);
    // Mail that OpenSSL encrypted to the FIRST (now earlier) key decrypts with the new password.
    writeFileSync(join(home, "inner.txt"), "Content-Type: text/plain\r\n\r\nfor the first key\r\n");
    const encrypted = openssl(
      [
        "cms",
        "-encrypt",
        "-aes256",
        "-in",
        "inner.txt",
        "-from",
        "carol@elsewhere.example",
        "-to",
        ALICE,
        "-subject",
        "old key",
        first.cert,
      ],
      { cwd: home },
    );
    expect((await run(["deliver", ALICE], encrypted)).code).toBe(0);
    const [m] = JSON.parse((await run(["message", "list", ALICE, "INBOX", "--json"])).stdout);
    expect(m).toMatchObject({ subject: "old key", security: "encrypted" });
    const d = await run([
      "message",
      "decrypt",
      ALICE,
      "INBOX",
      m.id,
      "--secure-password-env",
      "SMP2",
      "--json",
    ]);
    expect(d.code).toBe(0);
    const plain = await run(["message", "show", ALICE, "INBOX", JSON.parse(d.stdout).id, "--raw"]);
    expect(plain.stdout).toContain("for the first key");
    expect(plain.stdout).not.toContain("application/pkcs7-mime");
  });

  it("5 wrong passwords through the CLI rate-limit the store API too (the limit lives in the store)", async () => {
    for (let i = 0; i < 5; i++)
      expect(await exportTo(join(home, "x.p12"), "WRONG")).toMatchObject({
        code: 1,
        stderr: "sealbox: wrong Secure Mail Password\n",
      });
    // The store API, as the web UI or the worker would call it, at a given moment (so a slow
    // machine cannot let the 1-second delay pass between the last failure and the check).
    const at = async <T>(now: number, fn: (store: Store, accountId: string) => Promise<T>) => {
      const store = await openStore(`sqlite:${join(home, "sealbox.db")}`, {
        base: home,
        logger: silentLogger,
        now: () => now,
      });
      try {
        return await fn(store, (await store.accounts.require(ALICE)).id);
      } finally {
        await store.close();
      }
    };
    const lastFailure = await at(Date.now(), async (store, id) => {
      const failures = await store.secureMail.passwordFailures(id);
      expect(failures.count).toBe(5);
      return failures.lastAt!;
    });
    await at(lastFailure + 999, (store, id) =>
      expect(store.secureMail.verifyPassword(id, ENV.SMP2)).rejects.toMatchObject({ code: "rate-limited" }),
    );
    // Two more failures once each delay has passed: the delay doubles to 4 s after the 7th.
    await at(lastFailure + 1000, (store, id) =>
      expect(store.secureMail.verifyPassword(id, "guess 6")).rejects.toMatchObject({
        code: "wrong-password",
      }),
    );
    await at(lastFailure + 3000, (store, id) =>
      expect(store.secureMail.verifyPassword(id, "guess 7")).rejects.toMatchObject({
        code: "wrong-password",
      }),
    );
    // Now the CLI refuses the right password, before trying it, until lastFailure + 7 s.
    const refused = await exportTo(join(home, "x.p12"), "SMP2");
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toMatch(
      /^sealbox: too many wrong Secure Mail Passwords; try again in \d+ seconds?\n$/,
    );
    // Once the delay has passed the right password works, and a success clears the slate.
    await at(lastFailure + 7000, (store, id) => store.secureMail.verifyPassword(id, ENV.SMP2));
    expect((await exportTo(join(home, "x.p12"), "SMP2")).code).toBe(0);
  });

  it("remove is refused with a PFX of another key, accepted with the exported one; earlier keys stay", async () => {
    const remove = (pfx: string, passwordVar = "FP") =>
      run(["secure-mail", "remove", ALICE, "--pfx", pfx, "--password-env", passwordVar]);
    const other = await remove(first.pfx);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("does not hold this account's current key");
    expect((await remove(join(home, "new.p12"), "WRONG")).code).toBe(1);
    expect((await status()).hasKey).toBe(true);
    expect((await remove(join(home, "new.p12"))).code).toBe(0);
    expect(await status()).toEqual({ hasKey: false, earlierKeys: 2 });
  });

  it("a --…-env variable that is not set is a usage error (exit 2), never a prompt or a hang", async () => {
    const pfx = join(home, "new.p12");
    for (const args of [
      ["import", ALICE, "--pfx", pfx, "--password-env", "UNSET_VAR", "--secure-password-env", "SMP2"],
      ["import", ALICE, "--pfx", pfx, "--password-env", "FP", "--secure-password-env", "UNSET_VAR"],
      ["generate", ALICE, "--secure-password-env", "UNSET_VAR"],
      ["export", ALICE, "--secure-password-env", "UNSET_VAR", "--out", pfx, "--file-password-env", "FP"],
      ["passwd", ALICE, "--secure-password-env", "SMP2", "--new-secure-password-env", "UNSET_VAR"],
      ["remove", ALICE, "--pfx", pfx, "--password-env", "UNSET_VAR"],
      ["generate", ALICE],
    ]) {
      const r = await run(["secure-mail", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/UNSET_VAR|--secure-password-env VAR is required/);
    }
  });

  it("no password ever reaches the database files", async () => {
    const files = readdirSync(home).filter((f) => f.startsWith("sealbox.db"));
    expect(files).toContain("sealbox.db");
    for (const file of files) {
      const bytes = readFileSync(join(home, file));
      for (const [name, value] of Object.entries(ENV))
        for (const encoding of ["utf8", "utf16le"] as const)
          expect(bytes.includes(Buffer.from(value, encoding)), `${name} in ${file}`).toBe(false);
    }
  });
});
