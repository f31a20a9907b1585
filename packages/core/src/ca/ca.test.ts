import { createPublicKey, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isCoreError } from "../errors.js";
import { exportPfx } from "../pkcs12/export-pfx.js";
import { importPfx } from "../pkcs12/import-pfx.js";
import { runAll, tempDir } from "../pkcs12/test-support/peers.js";
import { KEY_USAGE, sameSpki } from "../pki/certificate.js";
import { validatePath } from "../pki/chain.js";
import { parseCrl } from "../pki/crl.js";
import type { Identity } from "../pki/identity.js";
import { toPem } from "../pki/pem.js";
import { chooseCertificateAddress } from "./choose-certificate-address.js";
import { createCa } from "./create-ca.js";
import { createCrl } from "./create-crl.js";
import { type IssuedCertificate, issueUserCertificate } from "./issue-user-certificate.js";
import { loadCa } from "./load-ca.js";

/** The server CA against OpenSSL 3's own path validation (`openssl verify -purpose …`, `-crl_check`). */
const NOW = new Date("2026-03-01T12:00:00Z");
let rsaCa: Identity;
let ecCa: Identity;
let alice: IssuedCertificate;
let bob: IssuedCertificate;
let carol: IssuedCertificate;
let dir: string;

beforeAll(async () => {
  dir = tempDir("sealbox-ca-");
  [rsaCa, ecCa] = await Promise.all([
    createCa({ name: "Example Mail CA", now: NOW }),
    createCa({ name: "Example EC CA", keyAlgorithm: "EC-P256", now: NOW }),
  ]);
  [alice, bob, carol] = await Promise.all([
    issueUserCertificate(rsaCa, { email: "alice@example.test", name: "Alice Example", now: NOW }),
    issueUserCertificate(rsaCa, { email: "bob@example.test", now: NOW }),
    issueUserCertificate(ecCa, { email: "carol@example.test", keyAlgorithm: "EC-P256", now: NOW }),
  ]);
});

function file(name: string, der: Uint8Array, label = "CERTIFICATE"): string {
  const path = join(dir, name);
  writeFileSync(path, toPem(der, label));
  return path;
}

/** `openssl verify` at NOW; returns its combined output and whether it said OK. */
function verify(
  ca: Identity,
  cert: { der: Uint8Array },
  args: string[] = [],
  when = NOW,
): { ok: boolean; out: string } {
  const caFile = file(`ca-${Math.random()}.pem`, ca.certificate.der);
  const certFile = file(`c-${Math.random()}.pem`, cert.der);
  const at = String(Math.floor(when.getTime() / 1000) + 60);
  try {
    const out = runAll("openssl", ["verify", "-attime", at, "-CAfile", caFile, ...args, certFile]);
    return { ok: /: OK/.test(out), out };
  } catch (error) {
    return { ok: false, out: (error as Error).message };
  }
}

describe("createCa", () => {
  it("is a self-signed CA with critical basicConstraints (pathLen 0) and keyUsage, SKI = AKI, 10 years", () => {
    for (const ca of [rsaCa, ecCa]) {
      const c = ca.certificate;
      expect(c.basicConstraints).toEqual({ ca: true, pathLength: 0 });
      expect([...(c.keyUsage ?? [])].sort()).toEqual([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]);
      expect(
        c.extensions
          .filter((e) => e.critical)
          .map((e) => e.oid)
          .sort(),
      ).toEqual(["2.5.29.15", "2.5.29.19"]);
      expect(Buffer.from(c.subjectKeyIdentifier ?? []).toString("hex")).toBe(
        Buffer.from(c.authorityKeyIdentifier ?? [1]).toString("hex"),
      );
      expect(c.subject).toBe(c.issuer);
      expect(c.notAfter.getUTCFullYear()).toBe(2036);
      expect(verify(ca, c).ok).toBe(true);
    }
    expect(rsaCa.certificate.keySize).toBe(3072);
    expect(rsaCa.certificate.signatureAlgorithm.oid).toBe("1.2.840.113549.1.1.11");
    expect(ecCa.certificate.keyAlgorithm).toBe("EC");
    expect(ecCa.certificate.signatureAlgorithm.oid).toBe("1.2.840.10045.4.3.2");
  });

  it("rejects bad names and validity", async () => {
    await expect(createCa({ name: " " })).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(createCa({ name: "x", validityYears: 0, keyAlgorithm: "EC-P256" })).rejects.toMatchObject({
      code: "invalid-argument",
    });
  });
});

describe("issueUserCertificate", () => {
  it("RSA user certificates pass openssl verify -purpose smimesign and smimeencrypt", () => {
    for (const purpose of ["smimesign", "smimeencrypt"]) {
      const result = verify(rsaCa, alice.certificate, ["-purpose", purpose]);
      expect(result.ok, result.out).toBe(true);
    }
  });

  it("EC user certificates pass smimesign; smimeencrypt is an OpenSSL 3.0 limitation (it demands keyEncipherment)", () => {
    expect(verify(ecCa, carol.certificate, ["-purpose", "smimesign"]).ok).toBe(true);
    // RFC 5480 §3 forbids keyEncipherment on id-ecPublicKey; OpenSSL's purpose check still wants it.
    const encrypt = verify(ecCa, carol.certificate, ["-purpose", "smimeencrypt"]);
    expect(encrypt.ok).toBe(false);
    expect(encrypt.out).toMatch(/unsupported certificate purpose|unsuitable certificate purpose/);
  });

  it("has the S/MIME profile: SAN email, usages, EKU, SKI/AKI, 16-byte positive random serial, 730 days", () => {
    const c = alice.certificate;
    expect(c.emails).toEqual(["alice@example.test"]);
    expect(c.commonName).toBe("Alice Example");
    expect(c.issuer).toBe("CN=Example Mail CA");
    expect([...(c.keyUsage ?? [])].sort()).toEqual([KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment]);
    expect([...(carol.certificate.keyUsage ?? [])].sort()).toEqual([
      KEY_USAGE.digitalSignature,
      KEY_USAGE.keyAgreement,
    ]);
    expect(c.extKeyUsage).toEqual(["1.3.6.1.5.5.7.3.4"]);
    expect(c.basicConstraints).toEqual({ ca: false, pathLength: undefined });
    expect(
      Buffer.from(c.authorityKeyIdentifier ?? []).equals(
        Buffer.from(rsaCa.certificate.subjectKeyIdentifier ?? [1]),
      ),
    ).toBe(true);
    expect(c.subjectKeyIdentifier?.length).toBe(20);
    expect(c.serialHex).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(c.serialHex).not.toBe(bob.certificate.serialHex);
    expect(c.keySize).toBe(2048);
    expect((c.notAfter.getTime() - NOW.getTime()) / 86_400_000).toBe(730);
    expect(c.notBefore.getTime()).toBeLessThan(NOW.getTime());
    expect(bob.certificate.commonName).toBe("bob@example.test");
    expect(alice.chain.map((x) => x.sha256)).toEqual([rsaCa.certificate.sha256]);
    expect(sameSpki(createPublicKey(alice.privateKey as KeyObject), c.publicKey)).toBe(true);
  });

  it("certifies a supplied public key, clamps validity to the CA's, writes IDN domains as A-labels", async () => {
    const issued = await issueUserCertificate(rsaCa, {
      email: "Dora@Bücher.example",
      publicKey: alice.certificate.publicKey,
      validityDays: 3650,
      now: new Date(NOW.getTime() + 400 * 86_400_000),
    });
    expect(issued.privateKey).toBeUndefined();
    expect(sameSpki(issued.certificate.publicKey, alice.certificate.publicKey)).toBe(true);
    expect(issued.certificate.notAfter.getTime()).toBe(rsaCa.certificate.notAfter.getTime());
    expect(issued.certificate.emails).toEqual(["Dora@xn--bcher-kva.example"]);
    const checked = verify(
      rsaCa,
      issued.certificate,
      ["-purpose", "smimesign"],
      new Date(NOW.getTime() + 401 * 86_400_000),
    );
    expect(checked.ok, checked.out).toBe(true);
  });

  it("a non-ASCII local part goes into SmtpUTF8Mailbox (RFC 9598)", async () => {
    const issued = await issueUserCertificate(ecCa, {
      email: "élodie@exemple.test",
      publicKey: carol.certificate.publicKey,
      now: NOW,
    });
    expect(issued.certificate.emails).toEqual(["élodie@exemple.test"]);
  });

  it("RSA-4096 on request, and bad input is refused", async () => {
    const big = await issueUserCertificate(ecCa, {
      email: "big@example.test",
      keyAlgorithm: "RSA-4096",
      now: NOW,
    });
    expect(big.certificate.keySize).toBe(4096);
    expect(verify(ecCa, big.certificate, ["-purpose", "smimeencrypt"]).ok).toBe(true);
    await expect(issueUserCertificate(rsaCa, { email: "not-an-address", now: NOW })).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await expect(
      issueUserCertificate(rsaCa, {
        email: "x@example.test",
        validityDays: 0,
        publicKey: alice.certificate.publicKey,
      }),
    ).rejects.toMatchObject({ code: "invalid-argument" });
  });
});

describe("createCrl", () => {
  it("openssl verify -crl_check: the revoked certificate fails, the other passes", () => {
    const crl = createCrl(rsaCa, {
      revoked: [{ serial: alice.certificate.serial, revokedAt: NOW, reason: "keyCompromise" }],
      thisUpdate: NOW,
      nextUpdate: new Date(NOW.getTime() + 7 * 86_400_000),
      crlNumber: 1,
    });
    const crlFile = file("crl.pem", crl, "X509 CRL");
    const revoked = verify(rsaCa, alice.certificate, ["-crl_check", "-CRLfile", crlFile]);
    expect(revoked.ok).toBe(false);
    expect(revoked.out).toContain("certificate revoked");
    const fine = verify(rsaCa, bob.certificate, ["-crl_check", "-CRLfile", crlFile]);
    expect(fine.ok, fine.out).toBe(true);
    const text = runAll("openssl", ["crl", "-in", crlFile, "-noout", "-text"]);
    expect(text).toContain("Version 2");
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*1/);
    expect(text).toContain("X509v3 Authority Key Identifier");
    expect(text).toContain("Key Compromise");
    expect(text).toContain(alice.certificate.serialHex.toUpperCase());
  });

  it("an EC CA's empty CRL verifies; the engine's parser and path validation agree", () => {
    const crl = createCrl(ecCa, {
      revoked: [],
      thisUpdate: NOW,
      nextUpdate: new Date(NOW.getTime() + 86_400_000),
      crlNumber: 7n,
    });
    const fine = verify(ecCa, carol.certificate, [
      "-crl_check",
      "-CRLfile",
      file("ec-crl.pem", crl, "X509 CRL"),
    ]);
    expect(fine.ok, fine.out).toBe(true);
    const parsed = parseCrl(crl);
    expect(parsed.crlNumber).toBe(7n);
    expect(parsed.revoked.size).toBe(0);
    const revokedCrl = parseCrl(
      createCrl(rsaCa, {
        revoked: [{ serial: alice.certificate.serial, revokedAt: NOW }],
        thisUpdate: NOW,
        nextUpdate: new Date(NOW.getTime() + 86_400_000),
        crlNumber: 2,
      }),
    );
    const at = new Date(NOW.getTime() + 1000);
    const options = { trust: [rsaCa.certificate], intermediates: [], crls: [revokedCrl], at };
    expect(validatePath(alice.certificate, options)).toMatchObject({ ok: false, status: "revoked" });
    expect(validatePath(bob.certificate, options)).toMatchObject({ ok: true });
  });
});

describe("loadCa", () => {
  it("loads a CA from a PFX, and refuses an end-entity PFX", () => {
    const loaded = loadCa(exportPfx(rsaCa, "ca-pw", { iterations: 1000 }), "ca-pw");
    expect(loaded.certificate.sha256).toBe(rsaCa.certificate.sha256);
    expect(sameSpki(createPublicKey(loaded.privateKey), rsaCa.certificate.publicKey)).toBe(true);
    const user = exportPfx(
      { ...alice, privateKey: alice.privateKey as NonNullable<typeof alice.privateKey> },
      "pw",
      {
        iterations: 1000,
      },
    );
    try {
      loadCa(user, "pw");
      expect.unreachable();
    } catch (error) {
      expect(isCoreError(error, "invalid-argument")).toBe(true);
    }
  });
});

describe("importPfx with a renewed certificate for the same key", () => {
  it("prefers the certificate valid at `now`", async () => {
    const later = new Date(NOW.getTime() + 800 * 86_400_000); // alice's first certificate has expired
    const renewed = await issueUserCertificate(rsaCa, {
      email: "alice@example.test",
      publicKey: alice.certificate.publicKey,
      now: new Date(later.getTime() - 86_400_000),
    });
    const privateKey = alice.privateKey as NonNullable<typeof alice.privateKey>;
    const pfx = exportPfx(
      { privateKey, certificate: alice.certificate, chain: [renewed.certificate, rsaCa.certificate] },
      "pw",
      {
        iterations: 1000,
      },
    );
    expect(importPfx(pfx, "pw", { now: later }).identity.certificate.sha256).toBe(renewed.certificate.sha256);
    expect(importPfx(pfx, "pw", { now: NOW }).identity.certificate.sha256).toBe(alice.certificate.sha256);
  });
});

describe("chooseCertificateAddress", () => {
  const accountAddresses = ["alice@example.test", "sales@example.test"];
  it("uses the From address when it belongs to the account, else the account address", () => {
    const pick = (fromAddress: string | undefined) =>
      chooseCertificateAddress({ fromAddress, accountAddress: "alice@example.test", accountAddresses });
    expect(pick("Sales@Example.test")).toBe("Sales@Example.test");
    expect(pick("someone@else.test")).toBe("alice@example.test");
    expect(pick(undefined)).toBe("alice@example.test");
    expect(pick("")).toBe("alice@example.test");
  });
});
