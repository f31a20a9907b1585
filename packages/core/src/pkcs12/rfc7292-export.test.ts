import { createPublicKey } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type Certificate, parseCertificate } from "../pki/certificate.js";
import type { Identity } from "../pki/identity.js";
import { compareWithPfx } from "./compare-with-pfx.js";
import { DEFAULT_PFX_FILENAME, DEFAULT_PFX_ITERATIONS, exportPfx } from "./export-pfx.js";
import { importPfx } from "./import-pfx.js";
import { makePki, openssl, opensslExport, runAll, type TestPki, tempDir } from "./test-support/peers.js";

/** Our PKCS#12 exports, read back by OpenSSL 3 (`pkcs12 -info`, with and without -legacy) and by us. */
let pki: TestPki;
let identity: Identity;
let leaf: Certificate;

beforeAll(() => {
  pki = makePki();
  leaf = parseCertificate(pki.pem(pki.leaf));
  identity = importPfx(opensslExport(pki, "x", ["-certfile", pki.chain]), "x").identity;
});

function writeTemp(bytes: Uint8Array): string {
  const file = join(tempDir(), DEFAULT_PFX_FILENAME);
  writeFileSync(file, bytes);
  return file;
}

/** openssl pkcs12 -info on our file: its description of the layout, and the PEM it extracts. */
function opensslRead(file: string, password: string, legacy: boolean) {
  const args = [
    "pkcs12",
    "-in",
    file,
    "-passin",
    `pass:${password}`,
    "-info",
    "-nodes",
    ...(legacy ? ["-legacy"] : []),
  ];
  return runAll("openssl", args);
}

function publicKeyOf(pem: string): string {
  return openssl(["pkey", "-pubout"], Buffer.from(pem)).toString();
}

describe("exportPfx → openssl pkcs12", () => {
  it(`is named ${DEFAULT_PFX_FILENAME} by default and uses ${DEFAULT_PFX_ITERATIONS} iterations`, () => {
    expect(DEFAULT_PFX_FILENAME).toBe("CertAndKey.pfx");
    const result = importPfx(exportPfx(identity, "pw"), "pw");
    expect(result.encryption).toBe(`AES-256-CBC (PBKDF2-HMAC-SHA256, ${DEFAULT_PFX_ITERATIONS} iterations)`);
    expect(result.mac).toBe(`HMAC-SHA256 (${DEFAULT_PFX_ITERATIONS} iterations)`);
  });

  it("default: PBES2 AES-256-CBC / PBKDF2-HMAC-SHA256 bags and an HMAC-SHA256 MAC, attributes and chain", () => {
    const file = writeTemp(exportPfx(identity, "pässwörd✓", { friendlyName: "Alice", iterations: 2048 }));
    const out = opensslRead(file, "pässwörd✓", false);
    expect(out).toContain("MAC: sha256, Iteration 2048");
    expect(out).toContain(
      "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256",
    );
    expect(out).toContain("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256");
    expect(out.match(/friendlyName: Alice/g)).toHaveLength(2); // key bag and leaf certificate bag
    const keyId = /localKeyID: ([0-9A-F ]+)/.exec(out)?.[1]?.replace(/ /g, "").toLowerCase();
    expect(keyId).toBe(
      openssl(["x509", "-noout", "-fingerprint", "-sha1", "-in", pki.leaf])
        .toString()
        .replace(/.*=|:|\s/g, "")
        .toLowerCase(),
    );
    expect(out.match(/subject=/g)).toHaveLength(3);
    expect(out).toContain("subject=CN = Test Intermediate");
    const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(out)?.[0] ?? "";
    expect(publicKeyOf(keyPem)).toBe(openssl(["x509", "-noout", "-pubkey", "-in", pki.leaf]).toString());
    // A wrong password is refused by OpenSSL too.
    expect(() => opensslRead(file, "wrong", false)).toThrow(/invalid password|mac verify/i);
  });

  it("legacy: 3DES key and certificates, HMAC-SHA1 MAC; OpenSSL reads it without and with -legacy", () => {
    const file = writeTemp(
      exportPfx(identity, "pw", { legacy: true, friendlyName: "Alice", iterations: 2048 }),
    );
    for (const legacy of [false, true]) {
      const out = opensslRead(file, "pw", legacy);
      expect(out).toContain("MAC: sha1, Iteration 2048");
      expect(out).toContain("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048");
      expect(out).toContain("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048");
      expect(out).toContain("BEGIN PRIVATE KEY");
    }
  });

  it("empty password, both forms OpenSSL knows", () => {
    const file = writeTemp(exportPfx(identity, "", { iterations: 2048 }));
    expect(opensslRead(file, "", false)).toContain("BEGIN PRIVATE KEY");
    expect(
      importPfx(exportPfx(identity, "", { legacy: true, iterations: 10 }), "").identity.certificate.sha256,
    ).toBe(leaf.sha256);
  });

  it("round-trips through importPfx for any password, name and form (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 24 }),
        fc.option(fc.string({ unit: "grapheme", maxLength: 20 }), { nil: undefined }),
        fc.boolean(),
        (password, friendlyName, legacy) => {
          const bytes = exportPfx(identity, password, {
            legacy,
            iterations: 3,
            ...(friendlyName !== undefined ? { friendlyName } : {}),
          });
          const back = importPfx(bytes, password);
          expect(back.identity.certificate.sha256).toBe(leaf.sha256);
          expect(back.identity.chain.map((c) => c.sha256)).toEqual(identity.chain.map((c) => c.sha256));
          expect(back.friendlyName).toBe(friendlyName);
          const a = createPublicKey(back.identity.privateKey).export({ type: "spki", format: "der" });
          expect(Buffer.compare(a, Buffer.from(leaf.spki))).toBe(0);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("refuses absurd iteration counts and a key that is not the certificate's (misuse)", () => {
    expect(() => exportPfx(identity, "pw", { iterations: 0 })).toThrow(
      expect.objectContaining({ code: "invalid-argument" }),
    );
    const other = importPfx(opensslExport(pki, "x", [], pki.otherKey, pki.other), "x").identity;
    expect(() => exportPfx({ ...identity, privateKey: other.privateKey }, "pw")).toThrow(
      expect.objectContaining({ code: "key-certificate-mismatch" }),
    );
  });
});

describe("compareWithPfx", () => {
  it("says whether the file holds the key of a certificate, by public key", () => {
    const pfx = opensslExport(pki, "file-pw", ["-legacy"]);
    expect(compareWithPfx(pfx, "file-pw", leaf)).toEqual({ matches: true });
    expect(compareWithPfx(pfx, "file-pw", parseCertificate(pki.pem(pki.other)))).toEqual({ matches: false });
    // A renewed certificate for the same key still matches: only the public key counts.
    expect(compareWithPfx(pfx, "file-pw", parseCertificate(pki.pem(pki.leaf))).matches).toBe(true);
  });

  it("throws the import codes for a bad file or password", () => {
    const pfx = opensslExport(pki, "file-pw", []);
    expect(() => compareWithPfx(pfx, "nope", leaf)).toThrow(
      expect.objectContaining({ code: "wrong-password" }),
    );
    expect(() => compareWithPfx(pfx.subarray(0, 100), "file-pw", leaf)).toThrow(
      expect.objectContaining({ code: "corrupt" }),
    );
  });
});
