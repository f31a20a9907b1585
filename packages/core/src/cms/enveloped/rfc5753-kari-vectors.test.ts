import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { children, readInteger, readRoot, readTlv, type Tlv } from "../../asn1/ber-reader.js";
import type { Certificate } from "../../pki/certificate.js";
import { readName } from "../../pki/name.js";
import { decryptEnveloped } from "./decrypt-enveloped.js";
import { inspectEnveloped } from "./inspect-enveloped.js";

/** RFC 5753 key agreement as another implementation (Bouncy Castle) writes it: ukm and curve parameters present. */
const vector = JSON.parse(
  readFileSync(join(import.meta.dirname, "test/vectors/bc-kari-ukm.json"), "utf8"),
) as {
  envelopedData: string;
  pkcs8: string;
  plaintext: string;
  cipher: string;
};
const der = Buffer.from(vector.envelopedData, "base64");
const privateKey = createPrivateKey({
  key: Buffer.from(vector.pkcs8, "base64"),
  format: "der",
  type: "pkcs8",
});

/**
 * The issue did not publish the whole certificate, so the identity carries a stand-in with the
 * issuer and serial the message names (matching uses only those, or the key identifier).
 */
function recipientCertificate(): Certificate {
  // ContentInfo → [0] → EnvelopedData → RecipientInfos → kari → recipientEncryptedKeys → REK → rid
  const ed = readTlv(der, readTlv(der, readTlv(der, readRoot(der).contentStart).end).contentStart);
  const set = children(der, ed)[1] as Tlv;
  const kari = children(der, set)[0] as Tlv;
  const reks = children(der, kari).at(-1) as Tlv;
  const rid = children(der, children(der, reks)[0] as Tlv)[0] as Tlv;
  const [issuer, serial] = children(der, rid) as [Tlv, Tlv];
  return {
    issuerName: readName(der, issuer),
    serial: readInteger(der, serial),
    publicKeyBits: new Uint8Array(0),
    subjectKeyIdentifier: undefined,
  } as unknown as Certificate;
}

describe("Bouncy Castle kari (PKI.js #334 sample)", () => {
  it("reads the structure", async () => {
    const info = await inspectEnveloped(der);
    expect(info).toMatchObject({
      kind: "enveloped",
      cipher: vector.cipher,
      keyManagement: ["ECDH"],
      recipients: 1,
    });
  });

  it("decrypts: ukm in SharedInfo, curve parameters present, stdDH-sha256 KDF, AES-128 wrap", async () => {
    const result = await decryptEnveloped(der, {
      identities: [{ privateKey, certificate: recipientCertificate(), chain: [] }],
    });
    expect(Buffer.from(result.content).toString("latin1")).toBe(vector.plaintext);
  });
});
