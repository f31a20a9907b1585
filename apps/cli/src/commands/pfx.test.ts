import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { type PfxIo, run } from "./pfx.js";

/** `sealbox pfx inspect|convert` in-process, with PFX files made by OpenSSL. */
let dir: string;
let pfx: string;
let legacyPfx: string;
let leafSha256: string;

function openssl(args: string[]): string {
  return execFileSync("openssl", args, { cwd: dir, stdio: ["pipe", "pipe", "pipe"] }).toString();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sealbox-cli-pfx-"));
  openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-subj",
    "/CN=CLI Test CA",
    "-days",
    "30",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
  openssl([
    "req",
    "-new",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "u.key",
    "-out",
    "u.csr",
    "-subj",
    "/CN=Alice Example",
  ]);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=email:alice@example.test,email:a@example.test\n");
  openssl([
    "x509",
    "-req",
    "-in",
    "u.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "u.pem",
    "-days",
    "30",
    "-extfile",
    "ext.cnf",
  ]);
  openssl([
    "pkcs12",
    "-export",
    "-in",
    "u.pem",
    "-inkey",
    "u.key",
    "-certfile",
    "ca.pem",
    "-out",
    "alice.p12",
    "-passout",
    "pass:pässwörd",
    "-name",
    "Alice",
  ]);
  openssl([
    "pkcs12",
    "-export",
    "-legacy",
    "-in",
    "u.pem",
    "-inkey",
    "u.key",
    "-out",
    "empty.p12",
    "-passout",
    "pass:",
  ]);
  pfx = join(dir, "alice.p12");
  legacyPfx = join(dir, "empty.p12");
  leafSha256 = openssl(["x509", "-in", "u.pem", "-noout", "-fingerprint", "-sha256"])
    .replace(/.*=|:|\s/g, "")
    .toLowerCase();
});

function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const sink: PfxIo = { env, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
  return { sink, out: () => out.join(""), err: () => err.join("") };
}

describe("sealbox pfx inspect", () => {
  it("prints the public JSON contract", async () => {
    const t = io({ P: "pässwörd" });
    expect(await run(["inspect", pfx, "--password-env", "P", "--json"], t.sink)).toBe(0);
    const info = JSON.parse(t.out());
    expect(Object.keys(info)).toEqual([
      "ok",
      "email",
      "emails",
      "name",
      "subject",
      "issuer",
      "serial",
      "notBefore",
      "notAfter",
      "keyAlgorithm",
      "keySize",
      "certificateSha256",
      "chainLength",
      "encryption",
      "mac",
    ]);
    expect(info).toMatchObject({
      ok: true,
      email: "alice@example.test",
      emails: ["alice@example.test", "a@example.test"],
      name: "Alice Example",
      subject: "CN=Alice Example",
      issuer: "CN=CLI Test CA",
      keyAlgorithm: "RSA",
      keySize: 2048,
      certificateSha256: leafSha256,
      chainLength: 1,
      encryption: "AES-256-CBC (PBKDF2-HMAC-SHA256, 2048 iterations)",
      mac: "HMAC-SHA256 (2048 iterations)",
    });
    expect(info.serial).toMatch(/^[0-9a-f]+$/);
    expect(new Date(info.notAfter).toISOString()).toBe(info.notAfter);
  });

  it("an empty variable is the empty password", async () => {
    const t = io({ P: "" });
    expect(await run(["inspect", legacyPfx, "--password-env", "P", "--json"], t.sink)).toBe(0);
    expect(JSON.parse(t.out()).mac).toBe("HMAC-SHA1 (2048 iterations)");
  });

  it("failures are {ok:false,error:{code,message}} with exit 1", async () => {
    const wrong = io({ P: "nope" });
    expect(await run(["inspect", pfx, "--password-env", "P", "--json"], wrong.sink)).toBe(1);
    const body = JSON.parse(wrong.out());
    expect(body).toEqual({ ok: false, error: { code: "wrong-password", message: expect.any(String) } });
    const truncated = join(dir, "cut.p12");
    writeFileSync(truncated, readFileSync(pfx).subarray(0, 200));
    const cut = io({ P: "pässwörd" });
    expect(await run(["inspect", truncated, "--password-env", "P", "--json"], cut.sink)).toBe(1);
    expect(JSON.parse(cut.out()).error.code).toBe("corrupt");
    const plain = io({ P: "nope" });
    expect(await run(["inspect", pfx, "--password-env", "P"], plain.sink)).toBe(1);
    expect(plain.err()).toContain("wrong-password");
  });

  it("usage errors (exit 2 in main): unset variable, missing file, bad flags", async () => {
    await expect(run(["inspect", pfx, "--password-env", "UNSET", "--json"], io({}).sink)).rejects.toThrow(
      UsageError,
    );
    await expect(
      run(["inspect", join(dir, "missing.p12"), "--password-env", "P"], io({ P: "" }).sink),
    ).rejects.toThrow(UsageError);
    await expect(run(["inspect", pfx], io({}).sink)).rejects.toThrow(/--password-env is required/);
    await expect(run(["frob"], io({}).sink)).rejects.toThrow(UsageError);
  });

  it("human output without --json", async () => {
    const t = io({ P: "pässwörd" });
    expect(await run(["inspect", pfx, "--password-env", "P"], t.sink)).toBe(0);
    expect(t.out()).toContain("subject:      CN=Alice Example");
    expect(t.out()).toContain("encryption:   AES-256-CBC");
  });
});

describe("sealbox pfx convert", () => {
  it("re-protects a PFX (legacy and modern) and OpenSSL reads the result", async () => {
    const out = join(dir, "converted.p12");
    const t = io({ OLD: "pässwörd", NEW: "n3w" });
    expect(
      await run(
        [
          "convert",
          pfx,
          "--password-env",
          "OLD",
          "--out",
          out,
          "--new-password-env",
          "NEW",
          "--legacy",
          "--json",
        ],
        t.sink,
      ),
    ).toBe(0);
    expect(JSON.parse(t.out())).toMatchObject({
      ok: true,
      out,
      legacy: true,
      certificateSha256: leafSha256,
      chainLength: 1,
    });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const info = execFileSync("openssl", ["pkcs12", "-in", out, "-passin", "pass:n3w", "-info", "-nokeys"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    expect(info.toString()).toContain("friendlyName: Alice");
    const back = io({ NEW: "n3w" });
    expect(await run(["inspect", out, "--password-env", "NEW", "--json"], back.sink)).toBe(0);
    expect(JSON.parse(back.out()).encryption).toContain("3DES-CBC (pbeWithSHAAnd3-KeyTripleDES-CBC");

    const modern = join(dir, "modern.p12");
    expect(
      await run(
        ["convert", legacyPfx, "--password-env", "E", "--out", modern, "--new-password-env", "E"],
        io({ E: "" }).sink,
      ),
    ).toBe(0);
    const again = io({ E: "" });
    expect(await run(["inspect", modern, "--password-env", "E", "--json"], again.sink)).toBe(0);
    expect(JSON.parse(again.out()).encryption).toBe("AES-256-CBC (PBKDF2-HMAC-SHA256, 600000 iterations)");
  });

  it("a wrong old password is exit 1 and writes nothing", async () => {
    const out = join(dir, "never.p12");
    const t = io({ OLD: "bad", NEW: "x" });
    expect(
      await run(
        ["convert", pfx, "--password-env", "OLD", "--out", out, "--new-password-env", "NEW", "--json"],
        t.sink,
      ),
    ).toBe(1);
    expect(JSON.parse(t.out()).error.code).toBe("wrong-password");
    expect(() => statSync(out)).toThrow();
    await expect(
      run(["convert", pfx, "--password-env", "OLD", "--new-password-env", "NEW"], t.sink),
    ).rejects.toThrow(/--out/);
  });
});
