import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CipherName } from "../../algorithms.js";
import { decryptEnveloped } from "./decrypt-enveloped.js";
import { encryptEnveloped } from "./encrypt-enveloped.js";
import { encryptEnvelopedStream } from "./encrypt-enveloped-stream.js";
import { inspectEnveloped } from "./inspect-enveloped.js";
import { Gpgsm, Nss } from "./test-support/peers.js";
import { type Party, TestPki } from "./test-support/test-pki.js";

/**
 * Interop with GnuPG gpgsm 2.2 and NSS cmsutil 3.87 at the CMS level, both directions,
 * limited to what each peer supports (SMIME-NOTES peer table): RSA PKCS#1 v1.5 key
 * transport with AES-CBC / 3DES; NSS also reads subjectKeyIdentifier rids.
 */
let pki: Pki;
interface Pki {
  pki: TestPki;
  alice: Party;
  bob: Party;
  erin: Party;
  gpgsm: Gpgsm;
  nss: Nss;
}
const content = randomBytes(3000);

beforeAll(() => {
  const p = new TestPki();
  const alice = p.party("Alice", { key: "rsa2048" });
  const bob = p.party("Bob", { key: "rsa2048" });
  const erin = p.party("Erin", { key: "P-256" });
  // gpgsm cannot import an EC PKCS#12 (it crashes): RSA parties only.
  pki = { pki: p, alice, bob, erin, gpgsm: new Gpgsm(p, [alice, bob]), nss: new Nss(p, [alice, bob]) };
}, 60_000);

afterAll(() => pki?.gpgsm.close());

describe("gpgsm --encrypt → decryptEnveloped", () => {
  it.each([
    [undefined, "AES-128-CBC"],
    ["AES", "AES-128-CBC"],
    ["AES192", "AES-192-CBC"],
    ["AES256", "AES-256-CBC"],
    ["3DES", "3DES-CBC"],
  ] as const)("--cipher-algo %s", async (algo, cipher) => {
    const der = pki.gpgsm.encrypt(content, [pki.alice, pki.bob], algo);
    for (const party of [pki.alice, pki.bob]) {
      const result = await decryptEnveloped(der, { identities: [party.identity] });
      expect(Buffer.from(result.content).equals(content)).toBe(true);
      expect(result.info).toMatchObject({ cipher, keyManagement: ["RSA", "RSA"], recipients: 2 });
    }
  });
});

describe("cmsutil -E → decryptEnveloped", () => {
  it("NSS picks AES for us; both recipients decrypt", async () => {
    const der = pki.nss.encrypt(content, [pki.alice, pki.bob]);
    const info = await inspectEnveloped(der);
    expect(info.keyManagement).toEqual(["RSA", "RSA"]);
    for (const party of [pki.alice, pki.bob]) {
      const result = await decryptEnveloped(der, { identities: [party.identity] });
      expect(Buffer.from(result.content).equals(content)).toBe(true);
      expect(result.info.cipher).toBe(info.cipher);
    }
  });
});

describe("encryptEnveloped → gpgsm --decrypt and cmsutil -D", () => {
  const ciphers: CipherName[] = ["AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "3DES-CBC"];

  it.each(ciphers)("%s, RSA PKCS#1 v1.5, issuerAndSerialNumber", async (cipher) => {
    const der = await encryptEnveloped(content, {
      recipients: [pki.alice.certificate, pki.bob.certificate],
      cipher,
    });
    expect(pki.gpgsm.decrypt(der).equals(content)).toBe(true);
    expect(pki.nss.decrypt(der).equals(content)).toBe(true);
  });

  it("subjectKeyIdentifier rids: NSS reads them (gpgsm cannot: peer unsupported)", async () => {
    const der = await encryptEnveloped(content, {
      recipients: [pki.alice.certificate],
      recipientIdentifier: "subjectKeyIdentifier",
    });
    expect(pki.nss.decrypt(der).equals(content)).toBe(true);
    expect(() => pki.gpgsm.decrypt(der)).toThrow();
  });

  it("an ECDH recipient among RSA ones: gpgsm decrypts with its RSA key (NSS cannot parse the KARI: peer unsupported)", async () => {
    const der = await encryptEnveloped(content, {
      recipients: [pki.erin.certificate, pki.alice.certificate],
    });
    expect(pki.gpgsm.decrypt(der).equals(content)).toBe(true);
  });

  it("streamed BER (indefinite lengths, 16 KiB pieces) and DER", async () => {
    for (const contentLength of [undefined, content.length]) {
      async function* chunks() {
        for (let i = 0; i < content.length; i += 700) yield content.subarray(i, i + 700);
      }
      const parts: Uint8Array[] = [];
      for await (const part of encryptEnvelopedStream(chunks(), {
        recipients: [pki.alice.certificate],
        pieceSize: 1024,
        contentLength,
      }))
        parts.push(part);
      const der = Buffer.concat(parts);
      expect(pki.gpgsm.decrypt(der).equals(content)).toBe(true);
      expect(pki.nss.decrypt(der).equals(content)).toBe(true);
    }
  });
});
