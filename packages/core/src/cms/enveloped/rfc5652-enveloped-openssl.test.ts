import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { CipherName, DigestName } from "../../algorithms.js";
import { decryptEnveloped } from "./decrypt-enveloped.js";
import { encryptEnveloped } from "./encrypt-enveloped.js";
import { encryptEnvelopedStream } from "./encrypt-enveloped-stream.js";
import { inspectEnveloped } from "./inspect-enveloped.js";
import { openssl } from "./test-support/peers.js";
import { type Party, TestPki } from "./test-support/test-pki.js";
import type { EncryptOptions } from "./types.js";

/**
 * Interop with `openssl cms` (OpenSSL 3.0) at the DER level, both directions. Fixtures are
 * made at test time by the real peer; every case checks the decrypted bytes.
 */
let pki: TestPki;
let alice: Party; // RSA
let bob: Party; // RSA
let erin: Party; // EC P-256
let frank: Party; // EC P-384
let gina: Party; // EC P-521
const content = randomBytes(1500);

beforeAll(() => {
  pki = new TestPki();
  alice = pki.party("Alice", { key: "rsa2048" });
  bob = pki.party("Bob", { key: "rsa2048" });
  erin = pki.party("Erin", { key: "P-256" });
  frank = pki.party("Frank", { key: "P-384" });
  gina = pki.party("Gina", { key: "P-521" });
}, 60_000);

const LEGACY = ["-provider", "legacy", "-provider", "default"];

describe("openssl cms -encrypt → decryptEnveloped", () => {
  const rsaCiphers: [string, string[], CipherName, "enveloped" | "authEnveloped"][] = [
    ["-aes128", ["-aes128"], "AES-128-CBC", "enveloped"],
    ["-aes192", ["-aes192"], "AES-192-CBC", "enveloped"],
    ["-aes256", ["-aes256"], "AES-256-CBC", "enveloped"],
    ["-aes-128-gcm", ["-aes-128-gcm"], "AES-128-GCM", "authEnveloped"],
    ["-aes-192-gcm", ["-aes-192-gcm"], "AES-192-GCM", "authEnveloped"],
    ["-aes-256-gcm", ["-aes-256-gcm"], "AES-256-GCM", "authEnveloped"],
    ["-des3", ["-des3"], "3DES-CBC", "enveloped"],
    ["-rc2-40 (legacy provider)", [...LEGACY, "-rc2-40"], "RC2(40bit)", "enveloped"],
    ["-rc2-64 (legacy provider)", [...LEGACY, "-rc2-64"], "RC2(64bit)", "enveloped"],
    ["-rc2-128 (legacy provider)", [...LEGACY, "-rc2-128"], "RC2(128bit)", "enveloped"],
  ];

  it.each(rsaCiphers)("RSA v1.5 with %s", async (_label, flags, cipher, kind) => {
    const der = openssl.encrypt(pki, content, [{ party: alice }], flags);
    const result = await decryptEnveloped(der, { identities: [alice.identity] });
    expect(Buffer.from(result.content).equals(content)).toBe(true);
    expect(result.info).toMatchObject({ kind, cipher, keyManagement: ["RSA"], recipients: 1 });
    expect(result.contentType).toBe("1.2.840.113549.1.7.1");
  });

  it.each(["sha1", "sha256", "sha512"])("RSA-OAEP with rsa_oaep_md:%s", async (md) => {
    const keyopts = ["rsa_padding_mode:oaep", `rsa_oaep_md:${md}`, `rsa_mgf1_md:${md}`];
    const der = openssl.encrypt(pki, content, [{ party: alice, keyopts }], ["-aes256"]);
    const result = await decryptEnveloped(der, { identities: [alice.identity] });
    expect(Buffer.from(result.content).equals(content)).toBe(true);
    expect(result.info.keyManagement).toEqual(["RSA-OAEP"]);
  });

  it("RSA-OAEP with openssl's defaults (SHA-1, params `30 00`)", async () => {
    const der = openssl.encrypt(
      pki,
      content,
      [{ party: alice, keyopts: ["rsa_padding_mode:oaep"] }],
      ["-aes128"],
    );
    expect(Buffer.from(der).includes(Buffer.from("06092a864886f70d0101073000", "hex"))).toBe(true);
    const result = await decryptEnveloped(der, { identities: [alice.identity] });
    expect(Buffer.from(result.content).equals(content)).toBe(true);
  });

  const ecCases: [string, () => Party, string[], string[]][] = [
    ["P-256, default SHA-1 KDF, AES-256-CBC", () => erin, [], ["-aes256"]],
    ["P-256, ecdh_kdf_md:sha256, AES-128-GCM", () => erin, ["ecdh_kdf_md:sha256"], ["-aes-128-gcm"]],
    ["P-256, ecdh_kdf_md:sha384", () => erin, ["ecdh_kdf_md:sha384"], ["-aes192"]],
    ["P-256, ecdh_kdf_md:sha512", () => erin, ["ecdh_kdf_md:sha512"], ["-aes256"]],
    ["P-256, ecdh_kdf_md:sha224", () => erin, ["ecdh_kdf_md:sha224"], ["-aes128"]],
    ["P-256, ecdh_cofactor_mode:1", () => erin, ["ecdh_cofactor_mode:1"], ["-aes256"]],
    [
      "P-256, cofactor + sha256",
      () => erin,
      ["ecdh_cofactor_mode:1", "ecdh_kdf_md:sha256"],
      ["-aes-256-gcm"],
    ],
    ["P-256, 3DES content (CMS3DESwrap)", () => erin, [], ["-des3"]],
    ["P-384, ecdh_kdf_md:sha384", () => frank, ["ecdh_kdf_md:sha384"], ["-aes256"]],
    ["P-521, default KDF", () => gina, [], ["-aes256"]],
    ["P-521, ecdh_kdf_md:sha512, GCM", () => gina, ["ecdh_kdf_md:sha512"], ["-aes-256-gcm"]],
  ];

  it.each(ecCases)("ECDH %s", async (_label, who, keyopts, flags) => {
    const party = who();
    const der = openssl.encrypt(pki, content, [{ party, keyopts }], flags);
    const result = await decryptEnveloped(der, { identities: [party.identity] });
    expect(Buffer.from(result.content).equals(content)).toBe(true);
    expect(result.info.keyManagement).toEqual(["ECDH"]);
  });

  it("-keyid: subjectKeyIdentifier recipients, RSA and EC", async () => {
    const der = openssl.encrypt(pki, content, [{ party: alice }, { party: erin }], ["-aes256", "-keyid"]);
    const info = await inspectEnveloped(der);
    expect(info.recipientIds.map((r) => r.subjectKeyIdentifier)).toEqual([
      Buffer.from(alice.certificate.subjectKeyIdentifier as Uint8Array).toString("hex"),
      Buffer.from(erin.certificate.subjectKeyIdentifier as Uint8Array).toString("hex"),
    ]);
    for (const party of [alice, erin]) {
      const result = await decryptEnveloped(der, { identities: [party.identity] });
      expect(Buffer.from(result.content).equals(content)).toBe(true);
    }
  });

  it("several recipients (RSA + EC mixed): each one decrypts", async () => {
    const der = openssl.encrypt(
      pki,
      content,
      [{ party: alice }, { party: erin, keyopts: ["ecdh_kdf_md:sha256"] }, { party: bob }, { party: frank }],
      ["-aes256"],
    );
    const info = await inspectEnveloped(der);
    // openssl writes the SET OF in DER order (KTRI 0x30 before KARI 0xa1), not argument order.
    expect(info.recipients).toBe(4);
    expect([...info.keyManagement].sort()).toEqual(["ECDH", "ECDH", "RSA", "RSA"]);
    for (const party of [alice, erin, bob, frank]) {
      const result = await decryptEnveloped(der, { identities: [party.identity] });
      expect(Buffer.from(result.content).equals(content)).toBe(true);
    }
  });

  it("openssl's default (streaming BER, -stream) output decrypts too", async () => {
    const der = openssl.encrypt(pki, content, [{ party: alice }], ["-aes256", "-stream"]);
    expect(der[1]).toBe(0x80); // indefinite length
    const result = await decryptEnveloped(der, { identities: [alice.identity] });
    expect(Buffer.from(result.content).equals(content)).toBe(true);
  });
});

describe("encryptEnveloped → openssl cms -decrypt", () => {
  const ciphers: CipherName[] = [
    "AES-128-CBC",
    "AES-192-CBC",
    "AES-256-CBC",
    "AES-128-GCM",
    "AES-192-GCM",
    "AES-256-GCM",
    "3DES-CBC",
  ];

  it.each(ciphers)("%s to RSA (v1.5) and EC recipients", async (cipher) => {
    const der = await encryptEnveloped(content, {
      recipients: [alice.certificate, erin.certificate],
      cipher,
    });
    expect(openssl.decrypt(pki, der, alice).equals(content)).toBe(true);
    expect(openssl.decrypt(pki, der, erin).equals(content)).toBe(true);
  });

  it.each(["SHA-1", "SHA-256", "SHA-384", "SHA-512"] as const)("RSA-OAEP %s", async (hash) => {
    const der = await encryptEnveloped(content, { recipients: [alice.certificate], oaep: { hash } });
    expect(openssl.decrypt(pki, der, alice).equals(content)).toBe(true);
  });

  const kdfs: DigestName[] = ["SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"];
  it.each(kdfs)("ECDH with the %s X9.63 KDF on P-256, P-384 and P-521", async (ecdhKdf) => {
    const der = await encryptEnveloped(content, {
      recipients: [erin.certificate, frank.certificate, gina.certificate],
      ecdhKdf,
      cipher: "AES-128-GCM",
    });
    for (const party of [erin, frank, gina])
      expect(openssl.decrypt(pki, der, party).equals(content)).toBe(true);
  });

  it("subjectKeyIdentifier recipients (RSA v2 KTRI, EC rKeyId)", async () => {
    const der = await encryptEnveloped(content, {
      recipients: [alice.certificate, erin.certificate],
      recipientIdentifier: "subjectKeyIdentifier",
    });
    const info = await inspectEnveloped(der);
    expect(info.recipientIds.every((r) => r.subjectKeyIdentifier !== undefined)).toBe(true);
    expect(openssl.decrypt(pki, der, alice).equals(content)).toBe(true);
    expect(openssl.decrypt(pki, der, erin).equals(content)).toBe(true);
  });

  const streamCases: [string, Partial<EncryptOptions> & { contentLength?: number }][] = [
    ["BER indefinite, AES-256-CBC", {}],
    ["BER indefinite, AES-256-GCM", { cipher: "AES-256-GCM" }],
    ["DER definite, AES-128-CBC", { cipher: "AES-128-CBC", contentLength: content.length }],
    ["DER definite, AES-128-GCM", { cipher: "AES-128-GCM", contentLength: content.length }],
  ];
  it.each(streamCases)("encryptEnvelopedStream: %s", async (_label, extra) => {
    async function* chunks() {
      for (let i = 0; i < content.length; i += 100) yield content.subarray(i, i + 100);
    }
    const parts: Uint8Array[] = [];
    for await (const part of encryptEnvelopedStream(chunks(), {
      recipients: [alice.certificate, erin.certificate],
      pieceSize: 512,
      ...extra,
    }))
      parts.push(part);
    const der = Buffer.concat(parts);
    expect(der[1] === 0x80).toBe(extra.contentLength === undefined);
    expect(openssl.decrypt(pki, der, alice).equals(content)).toBe(true);
    expect(openssl.decrypt(pki, der, erin).equals(content)).toBe(true);
  });
});
