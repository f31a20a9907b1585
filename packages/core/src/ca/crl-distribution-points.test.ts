import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { OID } from "../algorithms.js";
import { run, runAll, tempDir } from "../pkcs12/test-support/peers.js";
import type { Identity } from "../pki/identity.js";
import { toPem } from "../pki/pem.js";
import { createCa } from "./create-ca.js";
import { createCrl } from "./create-crl.js";
import { crlDistributionPointsExtension } from "./crl-distribution-points.js";
import { issueUserCertificate } from "./issue-user-certificate.js";

/** RFC 5280 §4.2.1.13 as written by issueUserCertificate, read back by OpenSSL 3. */
const NOW = new Date("2026-03-01T12:00:00Z");
const URL_ = "http://mail.example.test:3000/pki/ca.crl";
let ca: Identity;
let dir: string;

beforeAll(async () => {
  dir = tempDir("sealbox-crldp-");
  ca = await createCa({ name: "Distribution Point CA", keyAlgorithm: "EC-P256", now: NOW });
});

function pemFile(name: string, der: Uint8Array, label = "CERTIFICATE"): string {
  const path = join(dir, name);
  writeFileSync(path, toPem(der, label));
  return path;
}

describe("CRLDistributionPoints", () => {
  it("openssl x509 -text shows the URI in a non-critical extension; the certificate still verifies against the CRL", async () => {
    const issued = await issueUserCertificate(ca, {
      email: "dp@example.test",
      keyAlgorithm: "EC-P256",
      crlDistributionPoint: URL_,
      now: NOW,
    });
    const certFile = pemFile("dp.pem", issued.certificate.der);
    const text = runAll("openssl", ["x509", "-in", certFile, "-noout", "-text"]);
    expect(text).toMatch(
      /X509v3 CRL Distribution Points:\s*\n\s*Full Name:\s*\n\s*URI:http:\/\/mail\.example\.test:3000\/pki\/ca\.crl/,
    );
    expect(text).not.toMatch(/CRL Distribution Points: critical/);
    const ext = issued.certificate.extensions.find((e) => e.oid === OID.crlDistributionPoints);
    expect(ext?.critical).toBe(false);

    const crl = createCrl(ca, {
      revoked: [{ serial: issued.certificate.serial, revokedAt: NOW, reason: "keyCompromise" }],
      thisUpdate: NOW,
      nextUpdate: new Date(NOW.getTime() + 86_400_000),
      crlNumber: 1,
    });
    const at = String(Math.floor(NOW.getTime() / 1000) + 60);
    const caFile = pemFile("ca.pem", ca.certificate.der);
    const crlFile = pemFile("crl.pem", crl, "X509 CRL");
    const r = runAll("openssl", ["verify", "-attime", at, "-CAfile", caFile, certFile]);
    expect(r).toMatch(/: OK/);
    expect(() =>
      run("openssl", [
        "verify",
        "-attime",
        at,
        "-crl_check",
        "-CAfile",
        caFile,
        "-CRLfile",
        crlFile,
        certFile,
      ]),
    ).toThrow(/certificate revoked/);
  });

  it("is the same DER OpenSSL writes for crlDistributionPoints=URI:…", () => {
    const key = join(dir, "k.pem");
    const out = join(dir, "openssl.der");
    run("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-subj", "/CN=x", "-keyout", key, "-out", out, "-outform", "DER", "-days", "1"],
      ...["-addext", `crlDistributionPoints=URI:${URL_}`],
    ]);
    // The whole Extension (OID, no critical flag, the value) appears byte for byte in theirs.
    const theirs = readFileSync(out);
    const ours = Buffer.from(crlDistributionPointsExtension(URL_));
    expect(theirs.includes(ours)).toBe(true);
  });

  it("is absent unless asked for, and refuses what is not an absolute http(s) URL in ASCII", async () => {
    const plain = await issueUserCertificate(ca, {
      email: "plain@example.test",
      keyAlgorithm: "EC-P256",
      now: NOW,
    });
    expect(plain.certificate.extensions.some((e) => e.oid === OID.crlDistributionPoints)).toBe(false);
    for (const bad of [
      "",
      "ca.crl",
      "/pki/ca.crl",
      "ftp://example.test/ca.crl",
      "http://exa mple.test/ca.crl",
      "https://bücher.example/ca.crl",
      "javascript:alert(1)",
    ]) {
      await expect(
        issueUserCertificate(ca, {
          email: "bad@example.test",
          publicKey: plain.certificate.publicKey,
          crlDistributionPoint: bad,
          now: NOW,
        }),
        bad,
      ).rejects.toMatchObject({ code: "invalid-argument" });
    }
    expect(() => crlDistributionPointsExtension(`https://example.test/${"a".repeat(3000)}`)).toThrow(
      /at most/,
    );
  });
});
