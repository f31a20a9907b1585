import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CipherName, type DigestName, WRITABLE_CIPHERS } from "../algorithms.js";
import { openMessage } from "./open.js";
import { protectMessage } from "./protect.js";
import { sampleMessage } from "./test-support/messages.js";
import { detachedParts, headerAndBody, pkcs7Der } from "./test-support/mime-craft.js";
import { Gpgsm, Nss, openssl } from "./test-support/peers.js";
import type { Party } from "./test-support/pki.js";
import { SmimePki } from "./test-support/pki.js";

/**
 * Sealbox → peers at the message level: every output option of
 * protectMessage is accepted by `openssl cms -verify/-decrypt` reading the .eml exactly as we
 * wrote it, and by gpgsm 2.2 and NSS cmsutil 3.87 (fed the CMS out of the message, and part 1
 * for detached signatures) wherever the SMIME-NOTES peer table says they support the algorithm.
 * Where a peer does not, the test confirms that it refuses, so the README's "peer unsupported"
 * cells are measured, not assumed.
 */
let pki: SmimePki;
let alice: Party; // RSA 2048
let bob: Party; // RSA 2048
let erin: Party; // EC P-256
let frank: Party; // EC P-384
/** gpgsm and NSS with alice's and bob's keys, for decryption (importing keys into gpgsm takes ~2.5 s). */
let gpgKeys: Gpgsm;
let nssKeys: Nss;
const sample = sampleMessage();

beforeAll(() => {
  pki = new SmimePki("protect-interop");
  alice = pki.party("Alice Example");
  bob = pki.party("Bob Example");
  erin = pki.party("Erin Curve", { key: "p256" });
  frank = pki.party("Frank Curve", { key: "p384" });
  gpgKeys = new Gpgsm(pki, [alice, bob]);
  nssKeys = new Nss(pki, [alice, bob]);
}, 120_000);

afterAll(() => {
  gpgKeys?.close();
  nssKeys?.close();
  pki?.cleanup();
});

/** A fresh gpgsm home / NSS database per verification, trusting only the root (no caches). */
function gpgsmVerify(der: Uint8Array, content?: Uint8Array) {
  const g = new Gpgsm(pki);
  try {
    return g.verify(der, content);
  } finally {
    g.close();
  }
}
function nssVerify(der: Uint8Array, content?: Uint8Array) {
  const n = new Nss(pki);
  try {
    return n.verify(der, content);
  } finally {
    n.close();
  }
}

describe("signed: protectMessage → openssl cms -verify (S/MIME), gpgsm --verify, cmsutil -D", () => {
  const signers: Array<[string, () => Party, "pkcs1" | "pss"]> = [
    ["RSA PKCS#1 v1.5", () => alice, "pkcs1"],
    ["RSA-PSS", () => alice, "pss"],
    ["ECDSA P-256", () => erin, "pkcs1"],
    ["ECDSA P-384", () => frank, "pkcs1"],
  ];
  // SHA-1 only when a caller asks for it (the default is SHA-256; the set is 256/384/512)
  const digests: DigestName[] = ["SHA-256", "SHA-384", "SHA-512", "SHA-1"];
  const cases = signers.flatMap(([label, who, scheme]) =>
    digests.flatMap((digest) =>
      [false, true].map((opaque) => ({ label, who, scheme, digest, opaque }) as const),
    ),
  );

  it.each(cases)("$label $digest, $opaque (true = opaque)", async ({ who, scheme, digest, opaque }) => {
    const signer = who();
    const message = await protectMessage(sample.raw, {
      sign: { identity: signer.identity, digest, opaque, scheme },
    });
    const { header } = headerAndBody(message);
    expect(header).toMatch(/^From: Alice Example <alice@example.test>/m);

    const ours = await openMessage(message, { trust: [pki.caCertificate], from: signer.email });
    expect(ours.layers).toHaveLength(1);
    expect(ours.layers[0]).toMatchObject({
      type: "signed",
      form: opaque ? "opaque" : "detached",
      digest,
      content: "Multipart",
      signers: [{ status: "valid", email: signer.email, name: signer.name }],
    });

    // gpgsm refuses "a 256 bit hash … for a 384 bit ECC key" (a hash shorter than the curve
    // order; libgcrypt policy): peer limitation.
    const bits = { "SHA-1": 160, "SHA-256": 256, "SHA-384": 384, "SHA-512": 512 }[digest as "SHA-1"];
    const gpgsmRefuses = (signer.kind === "p384" && bits < 384) || (signer.kind === "p256" && bits < 256);
    const peer = openssl.verify(pki, message);
    expect(peer.stderr).toContain("Verification successful");
    expect(peer.ok).toBe(true);
    // openssl hands back exactly what we report as the signed entity.
    expect(peer.content.equals(Buffer.from(ours.content))).toBe(true);

    if (opaque) {
      expect(header).toMatch(/smime-type=signed-data/);
      const der = pkcs7Der(message);
      const g = gpgsmVerify(der);
      expect(g.good, g.status).toBe(!gpgsmRefuses);
      if (gpgsmRefuses) expect(g.status).toMatch(/a \d+ bit hash is not valid for a \d+ bit ECC key/);
      else expect(g.content.equals(Buffer.from(ours.content))).toBe(true);
      const n = nssVerify(der);
      expect(n.good, n.output).toBe(true);
    } else {
      expect(header).toContain(`micalg=${digest.toLowerCase()}`); // sha-256, sha-384, sha-512
      const parts = detachedParts(message);
      expect(parts.signed.equals(Buffer.from(ours.content))).toBe(true);
      const g = gpgsmVerify(parts.signatureDer, parts.signed);
      expect(g.good, g.status).toBe(!gpgsmRefuses);
      const n = nssVerify(parts.signatureDer, parts.signed);
      expect(n.good, n.output).toBe(true);
    }
  });

  it("the default digest follows the key: SHA-256 for RSA and P-256, SHA-384 for P-384 (gpgsm then accepts)", async () => {
    for (const [signer, digest] of [
      [alice, "SHA-256"],
      [erin, "SHA-256"],
      [frank, "SHA-384"],
    ] as const) {
      const message = await protectMessage(sample.raw, { sign: { identity: signer.identity } });
      const opened = await openMessage(message, { trust: [pki.caCertificate], from: signer.email });
      expect(opened.layers[0]).toMatchObject({ digest, signers: [{ status: "valid" }] });
      const parts = detachedParts(message);
      expect(gpgsmVerify(parts.signatureDer, parts.signed).good).toBe(true);
    }
  });

  it("the checks can fail: every peer refuses our signature over a changed part 1", async () => {
    const message = Buffer.from(await protectMessage(sample.raw, { sign: { identity: alice.identity } }));
    const parts = detachedParts(message);
    const altered = Buffer.from(parts.signed);
    const at = altered.indexOf("quarterly");
    altered[at] = 0x51; // q → Q
    const forged = Buffer.concat([
      message.subarray(0, message.indexOf(parts.signed)),
      altered,
      message.subarray(message.indexOf(parts.signed) + parts.signed.length),
    ]);
    expect(openssl.verify(pki, forged).ok).toBe(false);
    expect(gpgsmVerify(parts.signatureDer, altered).good).toBe(false);
    expect(nssVerify(parts.signatureDer, altered).good).toBe(false);
  });
});

describe("encrypted: protectMessage → openssl cms -decrypt (S/MIME), gpgsm --decrypt, cmsutil -D", () => {
  /** What every peer must get back: the inner entity protect built, which open also reports. */
  async function innerOf(message: Uint8Array, party: Party): Promise<Buffer> {
    const opened = await openMessage(message, { identities: [party.identity] });
    return Buffer.from(opened.content);
  }

  it.each(WRITABLE_CIPHERS)(
    "%s to two RSA (v1.5) and two EC (ECDH P-256, P-384) recipients",
    async (cipher) => {
      const message = await protectMessage(sample.raw, {
        encrypt: {
          recipients: [alice.certificate, bob.certificate, erin.certificate, frank.certificate],
          cipher,
        },
      });
      const gcm = cipher.endsWith("GCM");
      expect(headerAndBody(message).header).toContain(
        gcm ? "smime-type=authEnveloped-data" : "smime-type=enveloped-data",
      );
      const inner = await innerOf(message, alice);
      expect(inner.includes(Buffer.from(sample.attachment.toString("base64").slice(0, 60)))).toBe(true);
      for (const party of [alice, bob, erin, frank]) {
        const peer = openssl.decrypt(pki, message, party);
        expect(peer.ok, peer.stderr).toBe(true);
        expect(peer.content.equals(inner)).toBe(true);
      }
      const der = pkcs7Der(message);
      const g = gpgKeys.decrypt(der);
      if (gcm) {
        expect(g.ok).toBe(false); // peer unsupported: gpgsm 2.2 has no AuthEnvelopedData
      } else {
        // gpgsm skips the ECDH recipients and uses alice's RSA key.
        expect(g.ok, g.stderr).toBe(true);
        expect(g.content.equals(inner)).toBe(true);
      }
      // NSS fails to parse a KeyAgreeRecipientInfo; its cells are covered by the RSA-only test below.
      expect(nssKeys.decrypt(der).content.equals(inner)).toBe(false);
    },
  );

  it.each(WRITABLE_CIPHERS)("%s to RSA recipients only (the NSS case)", async (cipher) => {
    const message = await protectMessage(sample.raw, {
      encrypt: { recipients: [alice.certificate, bob.certificate], cipher },
    });
    const inner = await innerOf(message, bob);
    const n = nssKeys.decrypt(pkcs7Der(message));
    if (cipher.endsWith("GCM")) {
      expect(n.content.equals(inner)).toBe(false); // peer unsupported: no AuthEnvelopedData in NSS 3.87
    } else {
      expect(n.ok, n.stderr).toBe(true);
      expect(n.content.equals(inner)).toBe(true);
    }
  });

  it("RSA-OAEP key transport: openssl decrypts; gpgsm and NSS refuse (peer unsupported)", async () => {
    const message = await protectMessage(sample.raw, {
      encrypt: { recipients: [alice.certificate, bob.certificate], oaep: true },
    });
    const inner = await innerOf(message, alice);
    const opened = await openMessage(message, { identities: [bob.identity] });
    expect(opened.layers[0]).toMatchObject({ keyManagement: ["RSA-OAEP"], recipients: 2 });
    for (const party of [alice, bob])
      expect(openssl.decrypt(pki, message, party).content.equals(inner)).toBe(true);
    expect(gpgKeys.decrypt(pkcs7Der(message)).ok).toBe(false);
    expect(nssKeys.decrypt(pkcs7Der(message)).content.equals(inner)).toBe(false);
  });

  it("hideSubject: the envelope says Subject: [...], the encrypted message keeps the real one", async () => {
    const message = await protectMessage(sample.raw, {
      encrypt: { recipients: [bob.certificate] },
      hideSubject: true,
    });
    expect(headerAndBody(message).header).toMatch(/^Subject: \[\.\.\.\]$/m);
    const peer = openssl.decrypt(pki, message, bob);
    expect(headerAndBody(peer.content).header).toMatch(/^Subject: Quarterly figures$/m);
    expect(gpgKeys.decrypt(pkcs7Der(message)).content.equals(peer.content)).toBe(true);
  });

  it("the check can fail: a recipient who is not on the message cannot decrypt it", async () => {
    const message = await protectMessage(sample.raw, { encrypt: { recipients: [bob.certificate] } });
    expect(openssl.decrypt(pki, message, alice).ok).toBe(false);
    expect(gpgKeys.decrypt(pkcs7Der(message)).ok).toBe(true); // bob's key is in the gpgsm home
  });
});

describe("signed and encrypted: every peer decrypts, then verifies the inner signed message", () => {
  const cases: Array<{ opaque: boolean; cipher: CipherName }> = [
    { opaque: false, cipher: "AES-256-CBC" },
    { opaque: true, cipher: "AES-128-CBC" },
    { opaque: false, cipher: "3DES-CBC" },
  ];

  it.each(cases)("opaque=$opaque, $cipher", async ({ opaque, cipher }) => {
    const message = await protectMessage(sample.raw, {
      sign: { identity: alice.identity, opaque },
      encrypt: { recipients: [bob.certificate, alice.certificate], cipher },
    });
    const opened = await openMessage(message, { identities: [bob.identity], trust: [pki.caCertificate] });
    expect(opened.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    expect(opened.layers[1]).toMatchObject({
      signers: [{ status: "valid" }],
      form: opaque ? "opaque" : "detached",
    });

    // openssl: decrypt the .eml, then verify what came out (an S/MIME message itself, headers included).
    const decrypted = openssl.decrypt(pki, message, bob);
    expect(decrypted.ok, decrypted.stderr).toBe(true);
    expect(headerAndBody(decrypted.content).header).toMatch(/^From: Alice Example/m);
    const verified = openssl.verify(pki, decrypted.content);
    expect(verified.ok, verified.stderr).toBe(true);
    expect(verified.content.equals(Buffer.from(opened.content))).toBe(true);

    // gpgsm and NSS: CMS in, MIME out; we take the inner message apart for their verify.
    for (const inner of [
      gpgKeys.decrypt(pkcs7Der(message)).content,
      nssKeys.decrypt(pkcs7Der(message)).content,
    ]) {
      expect(inner.equals(decrypted.content)).toBe(true);
      if (opaque) {
        expect(gpgsmVerify(pkcs7Der(inner)).good).toBe(true);
        expect(nssVerify(pkcs7Der(inner)).good).toBe(true);
      } else {
        const parts = detachedParts(inner);
        expect(gpgsmVerify(parts.signatureDer, parts.signed).good).toBe(true);
        expect(nssVerify(parts.signatureDer, parts.signed).good).toBe(true);
      }
    }
  });
});
