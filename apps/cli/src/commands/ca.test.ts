import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openssl, opensslCaPfx, opensslUserPfx, pemBlock } from "./test-support/openssl.js";
import { cli, tempHome } from "./test-support/run-cli.js";

const ENV = { PW: "login pw", SMP: "ca test secure password", FP: "file password" };

describe("sealbox ca", () => {
  let home: string;
  const run = (args: string[]) => cli(home, args, { env: ENV });

  /** The account's current certificate (PEM file), exported and unpacked by OpenSSL. */
  async function currentCertificate(account: string, name: string): Promise<string> {
    const pfx = join(home, `${name}.p12`);
    const r = await run([
      "secure-mail",
      "export",
      account,
      "--secure-password-env",
      "SMP",
      "--out",
      pfx,
      "--file-password-env",
      "FP",
    ]);
    expect(r.code).toBe(0);
    const pem = openssl(["pkcs12", "-in", pfx, "-passin", "env:FP", "-nokeys", "-clcerts"], {
      cwd: home,
      env: ENV,
    });
    const file = join(home, `${name}.crt`);
    writeFileSync(file, pemBlock(pem, "CERTIFICATE"));
    return file;
  }

  const status = async (account: string) =>
    JSON.parse((await run(["secure-mail", "status", account, "--json"])).stdout) as { serial: string };

  beforeAll(async () => {
    home = tempHome();
    for (const a of ["alice@ca.example", "bob@ca.example"])
      expect((await run(["account", "add", a, "--password-env", "PW"])).code).toBe(0);
  });

  it("show --pem is a CA certificate that OpenSSL accepts generated user certificates against (smimesign and smimeencrypt)", async () => {
    const show = await run(["ca", "show", "--pem"]);
    expect(show.code).toBe(0);
    writeFileSync(join(home, "ca.pem"), show.stdout);
    const text = openssl(["x509", "-in", "ca.pem", "-noout", "-text"], { cwd: home });
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    const json = JSON.parse((await run(["ca", "show", "--json"])).stdout);
    expect(json).toMatchObject({ subject: "CN=Sealbox Secure Mail CA", source: "generated" });
    // Showing again is the same CA (created once, on first use).
    expect((await run(["ca", "show", "--pem"])).stdout).toBe(show.stdout);

    expect(
      (await run(["secure-mail", "generate", "alice@ca.example", "--secure-password-env", "SMP"])).code,
    ).toBe(0);
    const cert = await currentCertificate("alice@ca.example", "alice-1");
    for (const purpose of ["smimesign", "smimeencrypt"])
      expect(openssl(["verify", "-purpose", purpose, "-CAfile", "ca.pem", cert], { cwd: home })).toBe(
        `${cert}: OK\n`,
      );
  });

  it("crl --out lists a replaced key's serial (superseded) and a removed one's (cessationOfOperation), signed by the CA", async () => {
    const replaced = (await status("alice@ca.example")).serial;
    expect(
      (await run(["secure-mail", "generate", "alice@ca.example", "--secure-password-env", "SMP"])).code,
    ).toBe(0);
    const removed = (await status("alice@ca.example")).serial;
    const pfx = join(home, "alice-2.p12");
    await run([
      "secure-mail",
      "export",
      "alice@ca.example",
      "--secure-password-env",
      "SMP",
      "--out",
      pfx,
      "--file-password-env",
      "FP",
    ]);
    expect(
      (await run(["secure-mail", "remove", "alice@ca.example", "--pfx", pfx, "--password-env", "FP"])).code,
    ).toBe(0);

    const r = await run(["ca", "crl", "--out", join(home, "crl.der")]);
    expect(r.code).toBe(0);
    // OpenSSL checks the CRL's signature against the CA while printing it.
    const text = openssl(
      ["crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "ca.pem", "-text", "-noout"],
      {
        cwd: home,
      },
    );
    expect(text).toMatch(
      new RegExp(
        `Serial Number: ${replaced.toUpperCase()}\\s+Revocation Date: .*\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Superseded`,
      ),
    );
    expect(text).toMatch(
      new RegExp(`Serial Number: ${removed.toUpperCase()}[\\s\\S]*?Cessation Of Operation`),
    );
    // --pem writes the same list PEM-armoured.
    expect((await run(["ca", "crl", "--out", join(home, "crl.pem"), "--pem"])).code).toBe(0);
    const fromPem = openssl(["crl", "-in", "crl.pem", "-noout", "-text"], { cwd: home });
    expect(fromPem).toContain(`Serial Number: ${replaced.toUpperCase()}`);
    expect((await run(["ca", "crl"])).code).toBe(2);
  });

  it("with SEALBOX_PUBLIC_URL, generate writes <URL>/pki/ca.crl as the CRL distribution point; a bad URL is a user error", async () => {
    const env = { ...ENV, SEALBOX_PUBLIC_URL: "https://mail.ca.example/" };
    expect(
      (await cli(home, ["account", "add", "dora@ca.example", "--password-env", "PW"], { env })).code,
    ).toBe(0);
    expect(
      (
        await cli(home, ["secure-mail", "generate", "dora@ca.example", "--secure-password-env", "SMP"], {
          env,
        })
      ).code,
    ).toBe(0);
    const cert = await currentCertificate("dora@ca.example", "dora");
    const text = openssl(["x509", "-in", cert, "-noout", "-text"], { cwd: home });
    expect(text).toMatch(
      /X509v3 CRL Distribution Points:\s+Full Name:\s+URI:https:\/\/mail\.ca\.example\/pki\/ca\.crl/,
    );
    const bad = await cli(home, ["ca", "show"], { env: { ...ENV, SEALBOX_PUBLIC_URL: "mail.ca.example" } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^sealbox: the public URL "mail\.ca\.example"/);
  });

  it("issued lists what the CA issued; revoke takes an account, a serial or a SHA-256, and the CRL lists it", async () => {
    const issued = JSON.parse((await run(["ca", "issued", "--json"])).stdout) as Array<{
      serial: string;
      account: string;
      revokedAt: string | null;
    }>;
    const dora = issued.find((c) => c.account === "dora@ca.example" && c.revokedAt === null);
    expect(dora).toBeDefined();
    expect((await run(["ca", "revoke", "--serial", dora!.serial, "--sha256", "ab"])).code).toBe(2);
    expect((await run(["ca", "revoke", "--account", "dora@ca.example", "--reason", "nonsense"])).code).toBe(
      2,
    );
    const revoked = await run([
      "ca",
      "revoke",
      "--account",
      "dora@ca.example",
      "--reason",
      "affiliationChanged",
      "--json",
    ]);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ serial: dora!.serial, reason: "affiliationChanged" });
    // A second non-compromise reason is refused; only a later keyCompromise may change it (store).
    const again = await run([
      "ca",
      "revoke",
      "--serial",
      dora!.serial.toUpperCase(),
      "--reason",
      "superseded",
    ]);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining("already revoked") });
    expect((await run(["ca", "revoke", "--sha256", "0".repeat(64)])).code).toBe(1);
    expect((await run(["ca", "issued"])).stdout).toMatch(
      new RegExp(`${dora!.serial}\\s+dora@ca\\.example\\s+\\S+\\s+\\S+ affiliationChanged`),
    );
    expect((await run(["ca", "crl", "--out", join(home, "dora-crl.der")])).code).toBe(0);
    expect(
      openssl(["crl", "-inform", "DER", "-in", "dora-crl.der", "-noout", "-text"], { cwd: home }),
    ).toContain(`Serial Number: ${dora!.serial.toUpperCase()}`);
  });

  it("install --pfx takes an OpenSSL-made corporate CA; generate then issues from it", async () => {
    const corp = opensslCaPfx(home, "Corp Mail CA", "FP", ENV);
    const wrong = await cli(home, ["ca", "install", "--pfx", corp.pfx, "--password-env", "PW"], { env: ENV });
    expect(wrong.code).toBe(1);
    // A user certificate is not a CA.
    const user = opensslUserPfx(home, "not-a-ca", "x@ca.example", "FP", ENV);
    const notCa = await run(["ca", "install", "--pfx", user.pfx, "--password-env", "FP"]);
    expect(notCa.code).toBe(1);
    expect(notCa.stderr).toMatch(/^sealbox: .*may not sign certificates/);

    const r = await run(["ca", "install", "--pfx", corp.pfx, "--password-env", "FP"]);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining("CN=Corp Mail CA, O=Corp") });
    expect(JSON.parse((await run(["ca", "show", "--json"])).stdout)).toMatchObject({
      subject: "CN=Corp Mail CA, O=Corp",
      source: "installed",
    });
    expect(
      (await run(["secure-mail", "generate", "bob@ca.example", "--secure-password-env", "SMP"])).code,
    ).toBe(0);
    const cert = await currentCertificate("bob@ca.example", "bob");
    expect(openssl(["verify", "-purpose", "smimesign", "-CAfile", corp.cert, cert], { cwd: home })).toBe(
      `${cert}: OK\n`,
    );
    // The new CA's CRL is signed by the corporate key.
    expect((await run(["ca", "crl", "--out", join(home, "corp-crl.der")])).code).toBe(0);
    expect(
      openssl(["crl", "-inform", "DER", "-in", "corp-crl.der", "-CAfile", corp.cert, "-noout"], {
        cwd: home,
      }),
    ).toBe("");
  });
});
