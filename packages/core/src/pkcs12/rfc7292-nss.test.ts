import { createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { type Certificate, parseCertificate } from "../pki/certificate.js";
import { exportPfx } from "./export-pfx.js";
import { importPfx } from "./import-pfx.js";
import {
  makePki,
  nssDb,
  nssExport,
  nssImport,
  opensslExport,
  run,
  type TestPki,
} from "./test-support/peers.js";

/**
 * NSS 3.87 (`pk12util`, what Thunderbird and Firefox use) both ways: its exports (AES by
 * default, 600,000 iterations, leaf certificate written *after* the chain) import with the
 * right certificate; our exports import into a fresh NSS database.
 */
let pki: TestPki;
let leaf: Certificate;
let db: string;
const PW = "pässwörd✓";

beforeAll(() => {
  pki = makePki();
  leaf = parseCertificate(pki.pem(pki.leaf));
  db = nssDb(pki);
  nssImport(db, opensslExport(pki, "x", ["-name", "alice"]), "x");
});

function expectLeaf(result: ReturnType<typeof importPfx>) {
  expect(result.identity.certificate.sha256).toBe(leaf.sha256);
  const spki = createPublicKey(result.identity.privateKey).export({ type: "spki", format: "der" });
  expect(Buffer.compare(spki, Buffer.from(leaf.spki))).toBe(0);
  expect(result.identity.chain.map((c) => c.subject)).toEqual(["CN=Test Intermediate", "CN=Test Root"]);
}

describe("importPfx ← NSS pk12util -o", () => {
  it("default: PBES2 AES-256 key, AES-128 certificates, 600,000 iterations, UTF-8 password", () => {
    const result = importPfx(nssExport(db, "alice", PW), PW);
    expectLeaf(result);
    expect(result.encryption).toBe(
      "key: AES-256-CBC (PBKDF2-HMAC-SHA256, 600000 iterations); certificates: AES-128-CBC (PBKDF2-HMAC-SHA256, 600000 iterations)",
    );
    expect(result.mac).toBe("HMAC-SHA256 (600000 iterations)");
    expect(result.friendlyName).toBe("alice");
  });

  it("3DES key, RC2-40 certificates, SHA-1 MAC", () => {
    const bytes = nssExport(db, "alice", PW, [
      "-c",
      "PKCS #12 V2 PBE With SHA-1 And 3KEY Triple DES-CBC",
      "-C",
      "PKCS #12 V2 PBE With SHA-1 And 40 Bit RC2 CBC",
      "-M",
      "SHA-1",
    ]);
    const result = importPfx(bytes, PW);
    expectLeaf(result);
    expect(result.encryption).toBe(
      "key: 3DES-CBC (pbeWithSHAAnd3-KeyTripleDES-CBC, 600000 iterations); certificates: RC2(40bit) (pbewithSHAAnd40BitRC2-CBC, 600000 iterations)",
    );
    expect(result.mac).toBe("HMAC-SHA1 (600000 iterations)");
  });

  it("3DES for both, and a wrong password", () => {
    const triple = "PKCS #12 V2 PBE With SHA-1 And 3KEY Triple DES-CBC";
    const bytes = nssExport(db, "alice", "", ["-c", triple, "-C", triple]);
    expectLeaf(importPfx(bytes, ""));
    expect(() => importPfx(bytes, "nope")).toThrow(expect.objectContaining({ code: "wrong-password" }));
  });
});

describe("exportPfx → NSS pk12util -i", () => {
  let identity: ReturnType<typeof importPfx>["identity"];
  beforeAll(() => {
    identity = importPfx(opensslExport(pki, "x", ["-certfile", pki.chain]), "x").identity;
  });

  for (const legacy of [false, true]) {
    it(`${legacy ? "legacy 3DES/SHA-1" : "default AES-256/SHA-256"} export imports with key, nickname and chain`, () => {
      const pfx = exportPfx(identity, PW, { legacy, friendlyName: "Alice Sealbox", iterations: 4096 });
      const fresh = nssDb();
      expect(nssImport(fresh, pfx, PW)).toContain("PKCS12 IMPORT SUCCESSFUL");
      const certs = run("certutil", ["-L", "-d", `sql:${fresh}`]).toString();
      expect(certs).toContain("Alice Sealbox");
      expect(certs).toContain("Test Intermediate");
      const keys = run("certutil", ["-K", "-d", `sql:${fresh}`]).toString();
      expect(keys).toContain("Alice Sealbox");
      // And NSS refuses it with a wrong password (the MAC really is keyed by the password).
      expect(() => nssImport(nssDb(), pfx, "wrong")).toThrow();
    });
  }
});
