import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DigestName } from "../../algorithms.js";
import { signData } from "./sign-data.js";
import { type Ca, type Issued, OpensslPki } from "./test-support/openssl-pki.js";
import { opensslSign, opensslVerify, tempDir } from "./test-support/peers.js";
import type { SignerOptions } from "./types.js";
import { verifySignedData } from "./verify-signed-data.js";

/**
 * Interop with OpenSSL 3.0 `cms` at the DER level: every way openssl signs,
 * we verify; every way we sign, `openssl cms -verify -purpose smimesign` accepts.
 */
const CONTENT = Buffer.concat([
  Buffer.from("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"),
  Buffer.from("Grüße — signed bytes stay bytes.\r\n\u0000\u00ff binary too\r\n", "utf8"),
]);

let pki: OpensslPki;
let dir: string;
let root: Ca;
let inter: Ca;
const signers: Record<"rsa" | "p256" | "p384", Issued> = {} as never;

beforeAll(() => {
  pki = new OpensslPki();
  dir = tempDir("interop-openssl", pki.dir);
  root = pki.root("Interop Root");
  inter = pki.intermediate(root, "Interop Inter");
  signers.rsa = pki.leaf(inter, { cn: "Rsa Signer", emails: ["rsa@example.test"] });
  signers.p256 = pki.leaf(inter, { cn: "P256 Signer", emails: ["p256@example.test"], key: pki.key("p256") });
  signers.p384 = pki.leaf(inter, { cn: "P384 Signer", emails: ["p384@example.test"], key: pki.key("p384") });
});
afterAll(() => pki.cleanup());

async function* chunks(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("openssl cms -sign → verifySignedData", () => {
  const cases: {
    name: string;
    key: keyof typeof signers;
    md: string;
    digest: DigestName;
    alg: string;
    args?: string[];
    keyopt?: string[];
  }[] = [];
  for (const [md, digest] of [
    ["sha1", "SHA-1"],
    ["sha256", "SHA-256"],
    ["sha384", "SHA-384"],
    ["sha512", "SHA-512"],
  ] as const) {
    cases.push({ name: `RSA PKCS#1 ${md}`, key: "rsa", md, digest, alg: "RSA" });
    cases.push({
      name: `RSA-PSS ${md}`,
      key: "rsa",
      md,
      digest,
      alg: "RSA-PSS",
      keyopt: ["rsa_padding_mode:pss"],
    });
    cases.push({ name: `ECDSA P-256 ${md}`, key: "p256", md, digest, alg: "ECDSA" });
  }
  cases.push({ name: "ECDSA P-384 sha384", key: "p384", md: "sha384", digest: "SHA-384", alg: "ECDSA" });
  cases.push({
    name: "PSS salt length = digest (rsa_pss_saltlen:digest)",
    key: "rsa",
    md: "sha256",
    digest: "SHA-256",
    alg: "RSA-PSS",
    keyopt: ["rsa_padding_mode:pss", "rsa_pss_saltlen:digest"],
  });
  cases.push({
    name: "no signed attributes (-noattr)",
    key: "rsa",
    md: "sha256",
    digest: "SHA-256",
    alg: "RSA",
    args: ["-noattr"],
  });
  cases.push({
    name: "ECDSA, no signed attributes",
    key: "p256",
    md: "sha256",
    digest: "SHA-256",
    alg: "ECDSA",
    args: ["-noattr"],
  });
  cases.push({
    name: "subjectKeyIdentifier sid (-keyid)",
    key: "rsa",
    md: "sha256",
    digest: "SHA-256",
    alg: "RSA",
    args: ["-keyid"],
  });
  cases.push({
    name: "ESS signingCertificateV2 (-cades)",
    key: "rsa",
    md: "sha256",
    digest: "SHA-256",
    alg: "RSA",
    args: ["-cades"],
  });

  for (const c of cases) {
    for (const form of ["detached", "encapsulated", "encapsulated BER indefinite (-stream)"] as const) {
      // Peer limitation: openssl 3.0 cannot stream-sign with -keyopt (PSS): "Error writing CMS output".
      if (c.keyopt && form.includes("-stream")) continue;
      it(`${c.name}, ${form}`, async () => {
        const formArgs =
          form === "detached" ? [] : form === "encapsulated" ? ["-nodetach"] : ["-nodetach", "-stream"];
        const der = opensslSign(
          dir,
          CONTENT,
          [{ issued: signers[c.key], md: c.md, keyopt: c.keyopt }],
          ["-certfile", inter.certPath, ...formArgs, ...(c.args ?? [])],
        );
        if (form.includes("indefinite")) expect(der[1]).toBe(0x80);
        const r = await verifySignedData(der, {
          trust: [root.cert],
          ...(form === "detached" ? { content: chunks(CONTENT, 7) } : {}),
          expectedAddresses: [signers[c.key].cert.emails[0] as string],
        });
        expect(r.form).toBe(form === "detached" ? "detached" : "encapsulated");
        if (form !== "detached") expect(Buffer.from(r.content ?? [])).toEqual(CONTENT);
        expect(r.signers).toHaveLength(1);
        const [v] = r.signers;
        expect(v).toMatchObject({
          status: "valid",
          digest: c.digest,
          signatureAlgorithm: c.alg,
          name: signers[c.key].cert.commonName,
        });
        if (c.digest === "SHA-1") expect(v?.weakDigest).toBe(true);
      });
    }
  }
});

describe("signData → openssl cms -verify -purpose smimesign", () => {
  const matrix: { name: string; key: keyof typeof signers; opts: Omit<SignerOptions, "identity"> }[] = [];
  for (const digest of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"] as const) {
    matrix.push({ name: `RSA PKCS#1 ${digest}`, key: "rsa", opts: { digest } });
    matrix.push({ name: `RSA-PSS ${digest}`, key: "rsa", opts: { digest, scheme: "pss" } });
    matrix.push({ name: `ECDSA P-256 ${digest}`, key: "p256", opts: { digest } });
  }
  matrix.push({ name: "ECDSA P-384 SHA-384", key: "p384", opts: { digest: "SHA-384" } });
  matrix.push({ name: "RSA, SKI signer identifier", key: "rsa", opts: { sid: "subjectKeyIdentifier" } });

  for (const m of matrix) {
    for (const detached of [true, false]) {
      for (const signedAttributes of [true, false]) {
        it(`${m.name}, ${detached ? "detached" : "encapsulated"}, ${signedAttributes ? "with" : "without"} signed attributes`, async () => {
          const der = await signData(detached ? CONTENT : chunks(CONTENT, 5), {
            signers: [{ identity: pki.identity(signers[m.key]), ...m.opts }],
            detached,
            signedAttributes,
          });
          const r = opensslVerify(dir, der, root, detached ? CONTENT : undefined);
          expect(r.stderr).toContain("Verification successful");
          expect(r.ok).toBe(true);
          expect(r.content).toEqual(CONTENT);
          const back = await verifySignedData(der, {
            trust: [root.cert],
            ...(detached ? { content: CONTENT } : {}),
          });
          expect(back.signers[0]?.status).toBe("valid");
        });
      }
    }
  }

  it("openssl -cades checks our ESS signingCertificateV2 against the signer certificate", () => {
    return signData(CONTENT, { signers: [{ identity: pki.identity(signers.rsa) }], detached: true }).then(
      (der) => {
        const r = opensslVerify(dir, der, root, CONTENT, ["-cades"]);
        expect(r.stderr).toContain("Verification successful");
      },
    );
  });

  it("three signers with three digests and three key types in one SignedData", async () => {
    const der = await signData(chunks(CONTENT, 3), {
      signers: [
        { identity: pki.identity(signers.rsa), digest: "SHA-512", scheme: "pss" },
        { identity: pki.identity(signers.p256), digest: "SHA-256" },
        { identity: pki.identity(signers.p384), digest: "SHA-384" },
      ],
      detached: true,
    });
    expect(opensslVerify(dir, der, root, CONTENT).ok).toBe(true);
    const r = await verifySignedData(der, { trust: [root.cert], content: CONTENT });
    expect(r.signers.map((s) => s.status)).toEqual(["valid", "valid", "valid"]);
    expect([...r.digests].sort()).toEqual(["SHA-256", "SHA-384", "SHA-512"]);
  });

  it("a flipped content byte makes openssl refuse our signature too (the test can fail)", async () => {
    const der = await signData(CONTENT, {
      signers: [{ identity: pki.identity(signers.rsa) }],
      detached: true,
    });
    const altered = Buffer.from(CONTENT);
    altered[10] = (altered[10] as number) ^ 1;
    const r = opensslVerify(dir, der, root, altered);
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/content verify error|digest failure/);
  });
});
