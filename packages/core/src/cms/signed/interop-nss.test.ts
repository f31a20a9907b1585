import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signData } from "./sign-data.js";
import { type Ca, type Issued, OpensslPki } from "./test-support/openssl-pki.js";
import { Nss, opensslSign, tempDir } from "./test-support/peers.js";
import type { SignerOptions } from "./types.js";
import { verifySignedData } from "./verify-signed-data.js";

/** Interop with NSS 3.87 `cmsutil` (Thunderbird's CMS), fresh sql: database per file. */
const CONTENT = Buffer.from("Content-Type: text/plain\r\n\r\nSigned by or for NSS.\r\n");

let pki: OpensslPki;
let root: Ca;
let inter: Ca;
let rsa: Issued;
let p256: Issued;
let p384: Issued;
let nss: Nss;
const nick: Record<string, string> = {};

beforeAll(() => {
  pki = new OpensslPki();
  root = pki.root("Nss Root");
  inter = pki.intermediate(root, "Nss Inter");
  rsa = pki.leaf(inter, { cn: "Nss Rsa", emails: ["rsa@example.test"] });
  p256 = pki.leaf(inter, { cn: "Nss P256", emails: ["p256@example.test"], key: pki.key("p256") });
  p384 = pki.leaf(inter, { cn: "Nss P384", emails: ["p384@example.test"], key: pki.key("p384") });
  nss = new Nss(pki, root);
  nick.rsa = nss.importIdentity(rsa);
  nick.p256 = nss.importIdentity(p256);
  nick.p384 = nss.importIdentity(p384);
});
afterAll(() => {
  nss?.close();
  pki?.cleanup();
});

describe("cmsutil -S → verifySignedData", () => {
  const cases: [string, string, string, boolean][] = [];
  for (const hash of ["SHA1", "SHA256", "SHA384", "SHA512"]) cases.push([`RSA ${hash}`, "rsa", hash, true]);
  cases.push(["RSA SHA256 without -G -P", "rsa", "SHA256", false]);
  cases.push(["ECDSA P-256 SHA256", "p256", "SHA256", true]);
  cases.push(["ECDSA P-384 SHA384", "p384", "SHA384", true]);
  for (const [name, who, hash, attributes] of cases) {
    for (const detached of [true, false]) {
      it(`${name}, ${detached ? "detached (-T)" : "encapsulated"}`, async () => {
        const der = nss.sign(CONTENT, nick[who] as string, { detached, hash, attributes });
        const issued = { rsa, p256, p384 }[who] as Issued;
        const r = await verifySignedData(der, {
          trust: [root.cert],
          known: [inter.cert], // NSS includes the chain it knows; the intermediate may be absent
          ...(detached ? { content: CONTENT } : {}),
          expectedAddresses: issued.cert.emails,
        });
        expect(r.form).toBe(detached ? "detached" : "encapsulated");
        if (!detached) expect(Buffer.from(r.content ?? [])).toEqual(CONTENT);
        expect(r.signers[0]).toMatchObject({
          status: "valid",
          name: issued.cert.commonName,
          digest: hash.replace("SHA", "SHA-"),
          signatureAlgorithm: who === "rsa" ? "RSA" : "ECDSA",
        });
        if (attributes) expect(r.signers[0]?.signingTime).toBeInstanceOf(Date);
      });
    }
  }
});

describe("signData → cmsutil -D", () => {
  const matrix: [string, () => Issued, Omit<SignerOptions, "identity">][] = [
    ["RSA PKCS#1 SHA-256", () => rsa, {}],
    ["RSA PKCS#1 SHA-1", () => rsa, { digest: "SHA-1" }],
    ["RSA PKCS#1 SHA-384", () => rsa, { digest: "SHA-384" }],
    ["RSA PKCS#1 SHA-512", () => rsa, { digest: "SHA-512" }],
    ["RSA-PSS SHA-256", () => rsa, { scheme: "pss" }],
    ["RSA-PSS SHA-512", () => rsa, { scheme: "pss", digest: "SHA-512" }],
    ["ECDSA P-256 SHA-256", () => p256, {}],
    ["ECDSA P-384 SHA-384", () => p384, { digest: "SHA-384" }],
    ["RSA, SKI signer identifier", () => rsa, { sid: "subjectKeyIdentifier" }],
  ];
  for (const [name, who, opts] of matrix) {
    for (const detached of [true, false]) {
      it(`${name}, ${detached ? "detached" : "encapsulated"}`, async () => {
        const der = await signData(CONTENT, {
          signers: [{ identity: pki.identity(who()), ...opts }],
          detached,
        });
        const r = nss.verify(der, detached ? CONTENT : undefined);
        expect(r.good, `${r.stdout}\n${r.stderr}`).toBe(true);
      });
    }
  }

  it("reports DigestMismatch for altered content (the check can fail)", async () => {
    const der = await signData(CONTENT, { signers: [{ identity: pki.identity(rsa) }], detached: true });
    const r = nss.verify(der, Buffer.from(CONTENT.toString().replace("NSS", "nss")));
    expect(r.good).toBe(false);
    expect(r.stdout).toContain("DigestMismatch");
  });

  it("an openssl-signed message with an untrusted root is not GoodSignature for NSS either", () => {
    const evil = pki.root("Nss Evil Root");
    const mallory = pki.leaf(evil, { cn: "Mallory" });
    const der = opensslSign(tempDir("nss-evil", pki.dir), CONTENT, [{ issued: mallory }], []);
    expect(nss.verify(der, CONTENT).good).toBe(false);
  });
});
