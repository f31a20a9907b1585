import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { invoke } from "../command.js";
import { AbortError, UsageError } from "../errors.js";
import { memoryIo } from "../test-support/memory-io.js";
import { entry } from "./cert.js";

/** `sealbox cert verify` on a PKI made by OpenSSL: root → intermediate → leaves, and a CRL. */
let dir: string;
const path = (name: string) => join(dir, name);

function openssl(args: string[]): string {
  return execFileSync("openssl", args, { cwd: dir, stdio: ["pipe", "pipe", "pipe"] }).toString();
}

function issue(name: string, subject: string, issuer: string | undefined, ext: string, days = 30) {
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`]);
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`]);
  writeFileSync(
    path(`${name}.ext`),
    `${ext}\nsubjectKeyIdentifier=hash\n${issuer ? "authorityKeyIdentifier=keyid\n" : ""}`,
  );
  const signer = issuer
    ? ["-CA", `${issuer}.pem`, "-CAkey", `${issuer}.key`, "-CAcreateserial"]
    : ["-signkey", `${name}.key`];
  openssl([
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    ...signer,
    "-days",
    String(days),
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ]);
}

const sha256 = (pem: string) =>
  openssl(["x509", "-in", pem, "-noout", "-fingerprint", "-sha256"])
    .split("=")[1]
    ?.trim()
    .replace(/:/g, "")
    .toLowerCase();

/** The command itself, in-process: its exit code and output, or what it throws. */
async function verify(args: string[]) {
  const m = memoryIo();
  const code = await invoke(entry, ["verify", ...args], m.io);
  const out = m.out();
  return { code, json: out.startsWith("{") ? JSON.parse(out) : undefined, text: out };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sealbox-cli-cert-"));
  const ca = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign";
  issue("root", "/CN=Cert Verify Root", undefined, ca, 60);
  issue("inter", "/CN=Cert Verify Intermediate", "root", ca, 60);
  const user = "basicConstraints=CA:FALSE\nextendedKeyUsage=emailProtection";
  issue(
    "alice",
    "/CN=Alice",
    "inter",
    `${user}\nkeyUsage=critical,digitalSignature\nsubjectAltName=email:alice@example.test`,
  );
  issue(
    "bob",
    "/CN=Bob",
    "inter",
    `${user}\nkeyUsage=critical,digitalSignature\nsubjectAltName=email:bob@example.test`,
    1,
  );
  // A CRL from the intermediate that revokes Alice.
  writeFileSync(path("index.txt"), "");
  writeFileSync(path("crlnumber"), "01\n");
  writeFileSync(
    path("ca.cnf"),
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${path("index.txt")}\ncrlnumber=${path("crlnumber")}\ndefault_md=sha256\ndefault_crl_days=7\ncrl_extensions=e\n[e]\nauthorityKeyIdentifier=keyid\n`,
  );
  openssl(["ca", "-config", "ca.cnf", "-revoke", "alice.pem", "-keyfile", "inter.key", "-cert", "inter.pem"]);
  openssl([
    "ca",
    "-config",
    "ca.cnf",
    "-gencrl",
    "-keyfile",
    "inter.key",
    "-cert",
    "inter.pem",
    "-out",
    "inter.crl",
  ]);
  // Several DER objects in one file: the root, then an unrelated certificate.
  const der = (pem: string) => execFileSync("openssl", ["x509", "-in", path(pem), "-outform", "DER"]);
  writeFileSync(path("trust.der"), Buffer.concat([der("alice.pem"), der("root.pem")]));
  writeFileSync(
    path("bundle.pem"),
    readFileSync(path("bob.pem"), "utf8") + readFileSync(path("inter.pem"), "utf8"),
  );
});

describe("sealbox cert verify", () => {
  it("validates leaf → intermediate → root and lists the chain with SHA-256 fingerprints", async () => {
    const { code, json } = await verify(
      ["bob.pem", "--untrusted", "inter.pem", "--trust", "root.pem", "--json"].map((a) =>
        a.endsWith(".pem") ? path(a) : a,
      ),
    );
    expect(code).toBe(0);
    expect(json).toMatchObject({ valid: true, status: "valid" });
    expect(typeof json.reason).toBe("string");
    expect(json.chain).toEqual([
      { subject: "CN=Bob", sha256: sha256("bob.pem") },
      { subject: "CN=Cert Verify Intermediate", sha256: sha256("inter.pem") },
      { subject: "CN=Cert Verify Root", sha256: sha256("root.pem") },
    ]);
  });

  it("reads several PEM certificates in one file and several DER certificates in another", async () => {
    const { json } = await verify([path("bundle.pem"), "--trust", path("trust.der"), "--json"]);
    expect(json).toMatchObject({ valid: true, status: "valid" });
    expect(json.chain).toHaveLength(3);
  });

  it("is untrusted without the anchor, and revoked with the issuer's CRL (exit 0 either way)", async () => {
    const untrusted = await verify([path("bob.pem"), "--untrusted", path("inter.pem"), "--json"]);
    expect(untrusted).toMatchObject({ code: 0, json: { valid: false, status: "untrusted" } });
    const args = [path("alice.pem"), "--untrusted", path("inter.pem"), "--trust", path("root.pem"), "--json"];
    expect((await verify(args)).json).toMatchObject({ valid: true });
    const revoked = await verify([...args, "--crl", path("inter.crl")]);
    expect(revoked).toMatchObject({ code: 0, json: { valid: false, status: "revoked" } });
  });

  it("floors a fractional --at: the last second of notAfter is still valid, the next one is expired", async () => {
    const notAfter = new Date(
      openssl(["x509", "-in", "bob.pem", "-noout", "-enddate"]).split("=")[1] as string,
    );
    const at = (ms: number) => new Date(notAfter.getTime() + ms).toISOString();
    const args = [path("bob.pem"), "--untrusted", path("inter.pem"), "--trust", path("root.pem"), "--json"];
    expect((await verify([...args, "--at", at(999)])).json).toMatchObject({ valid: true, at: at(0) });
    expect((await verify([...args, "--at", at(1000)])).json).toMatchObject({
      valid: false,
      status: "expired",
    });
    const before = new Date(Date.now() - 86_400_000).toISOString().replace("Z", "123456Z");
    expect((await verify([...args, "--at", before])).json).toMatchObject({ status: "not-yet-valid" });
  });

  it("checks --purpose and --email as smime open does for a signer", async () => {
    const args = [path("bob.pem"), "--untrusted", path("inter.pem"), "--trust", path("root.pem"), "--json"];
    expect((await verify([...args, "--purpose", "email-sign"])).json).toMatchObject({ valid: true });
    expect((await verify([...args, "--purpose", "email-encrypt"])).json).toMatchObject({
      status: "wrong-usage",
    });
    expect((await verify([...args, "--email", "BOB@example.test"])).json).toMatchObject({ valid: true });
    expect((await verify([...args, "--email", "eve@example.test"])).json).toMatchObject({
      status: "address-mismatch",
    });
  });

  it("reports a malformed certificate as not valid, exit 0", async () => {
    writeFileSync(
      path("broken.pem"),
      "-----BEGIN CERTIFICATE-----\nMIIBAAIBAQ==\n-----END CERTIFICATE-----\n",
    );
    const { code, json } = await verify([path("broken.pem"), "--trust", path("root.pem"), "--json"]);
    expect(code).toBe(0);
    expect(json).toMatchObject({ valid: false, status: "untrusted", chain: [] });
    expect(json.reason).toMatch(/malformed/);
  });

  it("fails (exit 1) on a missing file or one holding no certificate, and is a usage error otherwise", async () => {
    writeFileSync(path("notes.txt"), "no certificate here\n");
    await expect(verify([path("nope.pem"), "--trust", path("root.pem")])).rejects.toBeInstanceOf(AbortError);
    await expect(verify([path("bob.pem"), "--trust", path("notes.txt")])).rejects.toBeInstanceOf(AbortError);
    await expect(verify([path("bob.pem"), "--purpose", "tls"])).rejects.toBeInstanceOf(UsageError);
    await expect(verify([path("bob.pem"), "--at", "yesterday"])).rejects.toBeInstanceOf(UsageError);
    await expect(verify([])).rejects.toBeInstanceOf(UsageError);
  });

  it("maps those to exit codes 0, 1 and 2 in bin/sealbox", async () => {
    const bin = resolve(import.meta.dirname, "../../../../bin/sealbox");
    const exec = promisify(execFile);
    const ok = await exec(bin, [
      "cert",
      "verify",
      path("bob.pem"),
      "--untrusted",
      path("inter.pem"),
      "--json",
    ]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: false, status: "untrusted" });
    await expect(exec(bin, ["cert", "verify", path("nope.pem")])).rejects.toMatchObject({ code: 1 });
    await expect(exec(bin, ["cert", "verify", path("bob.pem"), "--purpose", "tls"])).rejects.toMatchObject({
      code: 2,
    });
  });
});
