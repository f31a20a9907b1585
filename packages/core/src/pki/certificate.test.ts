import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CoreError } from "../errors.js";
import { allowsEmailProtection, KEY_USAGE, keyIdentifier, parseCertificate } from "./certificate.js";

function opensslCert(args: string[], ext: string): { pem: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-cert-"));
  writeFileSync(join(dir, "ext.cnf"), ext);
  execFileSync(
    "openssl",
    [
      ...args,
      "-keyout",
      join(dir, "k.pem"),
      "-out",
      join(dir, "c.pem"),
      "-nodes",
      "-extensions",
      "e",
      "-config",
      join(dir, "ext.cnf"),
    ],
    { stdio: "pipe" },
  );
  const pem = readFileSync(join(dir, "c.pem"), "utf8");
  const text = execFileSync("openssl", [
    "x509",
    "-in",
    join(dir, "c.pem"),
    "-noout",
    "-serial",
    "-fingerprint",
    "-sha256",
    "-ext",
    "subjectKeyIdentifier",
  ]).toString();
  return { pem, text };
}

const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = Alice Example
O = Example Org
emailAddress = alice.legacy@example.test
[e]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
subjectAltName = email:Alice@Example.test,otherName:1.3.6.1.5.5.7.8.9;UTF8:elodie@exemple.test
`;

describe("parseCertificate against openssl's own view", () => {
  it("reads names, serial, validity, key, usages and every email form", () => {
    const { pem, text } = opensslCert(
      ["req", "-x509", "-newkey", "rsa:2048", "-days", "30", "-sha256"],
      CONFIG,
    );
    const cert = parseCertificate(pem);
    expect(cert.commonName).toBe("Alice Example");
    expect(cert.subject).toContain("CN=Alice Example");
    expect(cert.keyAlgorithm).toBe("RSA");
    expect(cert.keySize).toBe(2048);
    expect(cert.emails).toEqual(["Alice@Example.test", "elodie@exemple.test", "alice.legacy@example.test"]);
    expect(cert.keyUsage?.has(KEY_USAGE.digitalSignature)).toBe(true);
    expect(cert.keyUsage?.has(KEY_USAGE.keyEncipherment)).toBe(true);
    expect(cert.keyUsage?.has(KEY_USAGE.keyAgreement)).toBe(false);
    expect(allowsEmailProtection(cert)).toBe(true);
    expect(cert.basicConstraints).toEqual({ ca: false, pathLength: undefined });
    const serial = /serial=([0-9A-F]+)/.exec(text)?.[1]?.toLowerCase();
    // openssl prints whole bytes without the sign octet, as serialHex does (so "05…" keeps its 0).
    expect(cert.serialHex).toBe(serial);
    const fp = /Fingerprint=([0-9A-F:]+)/.exec(text)?.[1]?.replace(/:/g, "").toLowerCase();
    expect(cert.sha256).toBe(fp);
    const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/
      .exec(text)?.[1]
      ?.replace(/:/g, "")
      .toLowerCase();
    expect(Buffer.from(keyIdentifier(cert)).toString("hex")).toBe(ski);
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(30 * 86400_000);
  });

  it("reads EC keys", () => {
    const { pem } = opensslCert(
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-days", "1"],
      CONFIG,
    );
    const cert = parseCertificate(pem);
    expect(cert.keyAlgorithm).toBe("EC");
    expect(cert.keySize).toBe(384);
  });

  it("refuses garbage with a CoreError", () => {
    expect(() => parseCertificate(Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01]))).toThrow(CoreError);
    expect(() => parseCertificate("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----")).toThrow(
      CoreError,
    );
  });
});
