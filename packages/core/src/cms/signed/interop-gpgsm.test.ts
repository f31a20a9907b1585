import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signData } from "./sign-data.js";
import { type Ca, type Issued, OpensslPki } from "./test-support/openssl-pki.js";
import { Gpgsm, opensslSign, tempDir } from "./test-support/peers.js";
import type { SignerOptions } from "./types.js";
import { verifySignedData } from "./verify-signed-data.js";

/**
 * Interop with GnuPG gpgsm 2.2 (fresh GNUPGHOME, loopback pinentry, CRL checks off). gpgsm
 * signs with RSA only here: importing an EC PKCS#12 crashes it (SMIME-NOTES peer table).
 */
const CONTENT = Buffer.from("Content-Type: text/plain\r\n\r\nSigned by or for gpgsm.\r\n");

let pki: OpensslPki;
let root: Ca;
let inter: Ca;
let rsa: Issued;
let p256: Issued;
let gpgsm: Gpgsm;

beforeAll(() => {
  pki = new OpensslPki();
  root = pki.root("Gpgsm Root");
  inter = pki.intermediate(root, "Gpgsm Inter");
  rsa = pki.leaf(inter, { cn: "Gpgsm Rsa", emails: ["rsa@example.test"] });
  p256 = pki.leaf(inter, { cn: "Gpgsm P256", emails: ["p256@example.test"], key: pki.key("p256") });
  gpgsm = new Gpgsm(pki, root);
  gpgsm.importIdentity(rsa);
});
afterAll(() => {
  gpgsm?.close();
  pki?.cleanup();
});

describe("gpgsm --sign → verifySignedData", () => {
  for (const digest of ["SHA1", "SHA256", "SHA384", "SHA512"]) {
    for (const detached of [true, false]) {
      it(`RSA ${digest}, ${detached ? "detached" : "opaque"}`, async () => {
        const der = gpgsm.sign(CONTENT, rsa, { detached, digest });
        const r = await verifySignedData(der, {
          trust: [root.cert],
          ...(detached ? { content: CONTENT } : {}),
          expectedAddresses: ["rsa@example.test"],
        });
        expect(r.form).toBe(detached ? "detached" : "encapsulated");
        if (!detached) expect(Buffer.from(r.content ?? [])).toEqual(CONTENT);
        expect(r.signers).toHaveLength(1);
        expect(r.signers[0]).toMatchObject({
          status: "valid",
          name: "Gpgsm Rsa",
          digest: digest.replace("SHA", "SHA-"),
          signatureAlgorithm: "RSA",
        });
      });
    }
  }
});

describe("signData → gpgsm --verify", () => {
  const matrix: [string, () => Issued, Omit<SignerOptions, "identity">][] = [
    ["RSA PKCS#1 SHA-256", () => rsa, {}],
    ["RSA PKCS#1 SHA-512", () => rsa, { digest: "SHA-512" }],
    ["RSA-PSS SHA-256", () => rsa, { scheme: "pss" }],
    ["RSA-PSS SHA-384", () => rsa, { scheme: "pss", digest: "SHA-384" }],
    ["ECDSA P-256 SHA-256", () => p256, {}],
  ];
  for (const [name, who, opts] of matrix) {
    for (const detached of [true, false]) {
      it(`${name}, ${detached ? "detached" : "opaque"}`, async () => {
        const der = await signData(CONTENT, {
          signers: [{ identity: pki.identity(who()), ...opts }],
          detached,
        });
        const r = gpgsm.verify(der, detached ? CONTENT : undefined);
        expect(r.goodsig, r.stderr).toBe(true);
        expect(r.trusted, r.stdout).toBe(true);
      });
    }
  }

  it("peer limitation: gpgsm cannot parse subjectKeyIdentifier signer identifiers, ours or openssl's", async () => {
    const ours = await signData(CONTENT, {
      signers: [{ identity: pki.identity(rsa), sid: "subjectKeyIdentifier" }],
      detached: true,
    });
    const theirs = opensslSign(tempDir("gpgsm-ski", pki.dir), CONTENT, [{ issued: rsa }], ["-keyid"]);
    for (const der of [ours, theirs]) {
      const r = gpgsm.verify(der, CONTENT);
      expect(r.goodsig).toBe(false);
      expect(r.stderr).toContain("BER error");
    }
    expect((await verifySignedData(ours, { trust: [root.cert], content: CONTENT })).signers[0]?.status).toBe(
      "valid",
    );
  });

  it("rejects our signature over altered content (the check can fail)", async () => {
    const der = await signData(CONTENT, { signers: [{ identity: pki.identity(rsa) }], detached: true });
    const r = gpgsm.verify(der, Buffer.from(CONTENT.toString().replace("gpgsm", "GPGSM")));
    expect(r.goodsig).toBe(false);
    expect(r.stdout).toMatch(/BADSIG|ERRSIG/);
  });
});
