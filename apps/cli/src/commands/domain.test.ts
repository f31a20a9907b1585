import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openssl, pemBlock } from "../test-support/openssl.js";
import { cli, tempHome } from "../test-support/run-cli.js";

describe("sealbox domain", () => {
  let home: string;
  beforeAll(() => {
    home = tempHome();
  });

  it("adds a domain and lists it as JSON with the documented defaults", async () => {
    const add = await cli(home, ["domain", "add", "Example.ORG", "--directory", "off"]);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain("added domain example.org");
    const list = await cli(home, ["domain", "list", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        name: "example.org",
        smime: true,
        directory: false,
        unlockSeconds: 180,
        defaultCipher: "AES-256-CBC",
        hideSubject: false,
      }),
    ]);
  });

  it("sets S/MIME, directory, unlock seconds and the default cipher", async () => {
    const set = await cli(home, [
      "domain",
      "set",
      "example.org",
      "--smime",
      "off",
      "--directory",
      "on",
      "--unlock-seconds",
      "600",
      "--default-cipher",
      "aes-128-gcm",
      "--json",
    ]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      smime: false,
      directory: true,
      unlockSeconds: 600,
      defaultCipher: "AES-128-GCM",
    });
  });

  it("exits 1 with the reason for a refused value, 2 for a usage error", async () => {
    const rc2 = await cli(home, ["domain", "set", "example.org", "--default-cipher", "RC2(40bit)"]);
    expect(rc2.code).toBe(1);
    expect(rc2.stderr).toMatch(/not a cipher Sealbox encrypts with/);
    expect((await cli(home, ["domain", "add", "example.org"])).code).toBe(1);
    expect((await cli(home, ["domain", "set", "nope.example", "--smime", "on"])).stderr).toMatch(
      /no domain nope.example/,
    );
    expect((await cli(home, ["domain", "set", "example.org", "--smime", "maybe"])).code).toBe(2);
    expect((await cli(home, ["domain", "set", "example.org"])).code).toBe(2);
    expect((await cli(home, ["domain", "frob"])).code).toBe(2);
  });

  it("takes the store from --store", async () => {
    const other = tempHome();
    const add = await cli(home, ["domain", "add", "elsewhere.example", "--store", `sqlite:${other}/x.db`]);
    expect(add.code).toBe(0);
    const there = await cli(home, ["domain", "list", "--json", "--store", `sqlite:${other}/x.db`]);
    expect(JSON.parse(there.stdout).map((d: { name: string }) => d.name)).toEqual(["elsewhere.example"]);
    const here = await cli(home, ["domain", "list", "--json"]);
    expect(JSON.parse(here.stdout).map((d: { name: string }) => d.name)).not.toContain("elsewhere.example");
    expect((await cli(home, ["domain", "list", "--store", "mysql://x"])).code).toBe(2);
  });

  describe("trust", () => {
    let dir: string;
    let caPem: string;
    let caSha256: string;
    /** A self-signed CA certificate made by OpenSSL; its SHA-256 computed here from the DER. */
    function makeCa(name: string, cn: string): { file: string; sha256: string } {
      openssl(
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-subj",
          `/CN=${cn}`,
          "-days",
          "30",
          "-keyout",
          `${name}.key`,
          "-out",
          `${name}.pem`,
        ],
        { cwd: dir },
      );
      const file = join(dir, `${name}.pem`);
      const body = pemBlock(readFileSync(file, "utf8"), "CERTIFICATE")
        .replace(/-----[A-Z ]+-----/g, "")
        .replace(/\s+/g, "");
      const sha256 = createHash("sha256").update(Buffer.from(body, "base64")).digest("hex");
      return { file, sha256 };
    }

    beforeAll(async () => {
      dir = tempHome();
      ({ file: caPem, sha256: caSha256 } = makeCa("ca", "Test Root"));
      expect((await cli(home, ["domain", "add", "trust.example"])).code).toBe(0);
    });

    it("adds a CA certificate, lists it with the server CA, and removes it by SHA-256", async () => {
      const add = await cli(home, ["domain", "trust", "add", "Trust.Example", caPem]);
      expect(add.code).toBe(0);
      expect(add.stdout).toBe(`trusted CN=Test Root (sha256 ${caSha256}) for trust.example\n`);

      const list = await cli(home, ["domain", "trust", "list", "trust.example", "--json"]);
      expect(list.code).toBe(0);
      const anchors = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
      expect(anchors).toContainEqual({
        subject: expect.stringContaining("Test Root"),
        sha256: caSha256,
        source: "configured",
        domain: "trust.example",
      });

      // The server CA (made on first use) is listed too, marked as such, with its subject.
      const ca = JSON.parse((await cli(home, ["ca", "show", "--json"])).stdout) as {
        subject: string;
        certificateSha256: string;
      };
      const withCa = JSON.parse(
        (await cli(home, ["domain", "trust", "list", "trust.example", "--json"])).stdout,
      ) as Array<Record<string, unknown>>;
      expect(withCa).toEqual([
        { subject: ca.subject, sha256: ca.certificateSha256, source: "server-ca", domain: null },
        expect.objectContaining({ sha256: caSha256, domain: "trust.example" }),
      ]);
      const text = await cli(home, ["domain", "trust", "list", "trust.example"]);
      expect(text.code).toBe(0);
      const lines = text.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^SHA256\s+TRUSTED BY\s+SUBJECT$/);
      expect(lines.find((l) => l.startsWith(ca.certificateSha256))).toMatch(/server CA\s+CN=Sealbox/);
      expect(lines.find((l) => l.startsWith(caSha256))).toMatch(/trust\.example\s+CN=Test Root$/);

      // The server CA is not the domain's to remove.
      const noCa = await cli(home, ["domain", "trust", "remove", "trust.example", ca.certificateSha256]);
      expect(noCa.code).toBe(1);
      expect(noCa.stderr).toMatch(/server CA/);

      const remove = await cli(home, ["domain", "trust", "remove", "trust.example", caSha256.toUpperCase()]);
      expect(remove.code).toBe(0);
      expect(remove.stdout).toBe(`removed CN=Test Root (sha256 ${caSha256}) from trust.example\n`);
      const after = JSON.parse(
        (await cli(home, ["domain", "trust", "list", "trust.example", "--json"])).stdout,
      ) as Array<{ sha256: string }>;
      expect(after.map((a) => a.sha256)).not.toContain(caSha256);

      const again = await cli(home, ["domain", "trust", "remove", "trust.example", caSha256]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(new RegExp(`no trust anchor ${caSha256} for trust\\.example`));
    });

    it("adds DER, every certificate of a PEM file, and prints JSON; a duplicate is refused", async () => {
      const second = makeCa("second", "Second Root");
      const der = join(dir, "ca.der");
      openssl(["x509", "-in", caPem, "-outform", "DER", "-out", der], { cwd: dir });
      const viaDer = await cli(home, ["domain", "trust", "add", "trust.example", der, "--json"]);
      expect(viaDer.code).toBe(0);
      expect(JSON.parse(viaDer.stdout)).toEqual({
        subject: "CN=Test Root",
        sha256: caSha256,
        domain: "trust.example",
        source: "configured",
      });
      const both = join(dir, "both.pem");
      writeFileSync(both, `${readFileSync(second.file, "utf8")}${readFileSync(caPem, "utf8")}`);
      expect((await cli(home, ["domain", "add", "bundle.example"])).code).toBe(0);
      const bundle = await cli(home, ["domain", "trust", "add", "bundle.example", both]);
      expect(bundle.code).toBe(0);
      expect(bundle.stdout.trimEnd().split("\n")).toEqual([
        `trusted CN=Second Root (sha256 ${second.sha256}) for bundle.example`,
        `trusted CN=Test Root (sha256 ${caSha256}) for bundle.example`,
      ]);

      const duplicate = await cli(home, ["domain", "trust", "add", "trust.example", caPem]);
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toMatch(/Test Root.*already trusted for trust\.example/);
    });

    it("exits 1 when the operation fails, 2 for a usage error", async () => {
      const unknown = await cli(home, ["domain", "trust", "add", "nope.example", caPem]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no domain nope\.example/);
      expect((await cli(home, ["domain", "trust", "list", "nope.example"])).code).toBe(1);
      expect((await cli(home, ["domain", "trust", "remove", "nope.example", caSha256])).code).toBe(1);

      const missing = await cli(home, ["domain", "trust", "add", "trust.example", join(dir, "absent.pem")]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/cannot read .*absent\.pem: ENOENT/);
      const notCert = join(dir, "not-a-cert.pem");
      writeFileSync(notCert, "hello\n");
      const bad = await cli(home, ["domain", "trust", "add", "trust.example", notCert]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/not-a-cert\.pem: /);

      expect((await cli(home, ["domain", "trust", "add", "trust.example"])).code).toBe(2);
      expect((await cli(home, ["domain", "trust", "list"])).code).toBe(2);
      expect((await cli(home, ["domain", "trust", "remove", "trust.example"])).code).toBe(2);
      expect((await cli(home, ["domain", "trust", "remove", "trust.example", "abc"])).code).toBe(2);
      expect((await cli(home, ["domain", "trust", "frob"])).code).toBe(2);
      expect((await cli(home, ["domain", "trust", "trust", "list", "trust.example"])).code).toBe(2);
      expect((await cli(home, ["domain", "trust", "list", "trust.example", "--pem"])).code).toBe(2);
    });

    it("takes the store from --store", async () => {
      const other = tempHome();
      const store = ["--store", `sqlite:${other}/x.db`];
      expect((await cli(home, ["domain", "add", "there.example", ...store])).code).toBe(0);
      expect((await cli(home, ["domain", "trust", "add", "there.example", caPem, ...store])).code).toBe(0);
      const there = await cli(home, ["domain", "trust", "list", "there.example", "--json", ...store]);
      expect(JSON.parse(there.stdout).map((a: { sha256: string }) => a.sha256)).toContain(caSha256);
      expect((await cli(home, ["domain", "trust", "list", "there.example"])).code).toBe(1);
      expect((await cli(home, ["domain", "trust", "remove", "there.example", caSha256, ...store])).code).toBe(
        0,
      );
    });
  });
});
