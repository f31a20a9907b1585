import { createHash, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OID } from "../../algorithms.js";
import {
  algorithmIdentifier,
  implicitPrimitive,
  integer,
  nullValue,
  octetString,
  oid,
  printableString,
  sequence,
  setOf,
  tlv,
} from "../../asn1/der-writer.js";
import { CoreError } from "../../errors.js";
import type { Certificate } from "../../pki/certificate.js";
import type { Crl } from "../../pki/crl.js";
import { attr, craftSignedData, standardAttributes } from "./test-support/craft.js";
import { type Ca, type Issued, OpensslPki, run } from "./test-support/openssl-pki.js";
import { opensslSign, tempDir } from "./test-support/peers.js";
import type { SignerVerdict, VerifyOptions } from "./types.js";
import { verifySignedData } from "./verify-signed-data.js";

/**
 * Every SignerVerdict status, each from a purpose-made openssl certificate and
 * an `openssl cms -sign` signature, plus the rule-breaking signed-attribute cases built by hand.
 */
const DAY = 86_400_000;
const later = (days: number) => new Date(Date.now() + days * DAY);
const CONTENT = Buffer.from("Content-Type: text/plain\r\n\r\nHello, signed world.\r\n");
const SHA256 = "2.16.840.1.101.3.4.2.1";

let pki: OpensslPki;
let dir: string;
let root: Ca;
let inter: Ca;
let alice: Issued;
let crl: Crl;
let revoked: Issued;
const leaves: Record<string, Issued> = {};

beforeAll(() => {
  pki = new OpensslPki();
  dir = tempDir("verify", pki.dir);
  root = pki.root("Verify Root");
  inter = pki.intermediate(root, "Verify Inter");
  alice = pki.leaf(inter, { cn: "Alice Example", emails: ["alice@example.test"] });
  leaves.expired = pki.leaf(inter, { cn: "Expiring", emails: ["exp@example.test"], end: later(10) });
  leaves.future = pki.leaf(inter, { cn: "Future", emails: ["future@example.test"], start: later(5) });
  const evil = pki.root("Evil Root");
  leaves.untrusted = pki.leaf(evil, { cn: "Mallory", emails: ["alice@example.test"] });
  leaves.wrongEku = pki.leaf(inter, {
    cn: "Server",
    ext: "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = email:srv@example.test\n",
  });
  leaves.wrongKu = pki.leaf(inter, {
    cn: "Encrypt Only",
    ext: "basicConstraints = CA:FALSE\nkeyUsage = keyEncipherment\nextendedKeyUsage = emailProtection\nsubjectAltName = email:enc@example.test\n",
  });
  leaves.noEmail = pki.leaf(inter, { cn: "No Address" });
  revoked = pki.leaf(inter, { cn: "Revoked", emails: ["rev@example.test"] });
  crl = pki.revoke(revoked).crl;
});
afterAll(() => pki.cleanup());

const sign = (issued: Issued, extra: string[] = [], md?: string) =>
  opensslSign(dir, CONTENT, [{ issued, md }], ["-certfile", inter.certPath, ...extra]);

async function verdict(der: Uint8Array, options: Partial<VerifyOptions> = {}): Promise<SignerVerdict> {
  const r = await verifySignedData(der, { content: CONTENT, trust: [root.cert], ...options });
  expect(r.signers).toHaveLength(1);
  return r.signers[0] as SignerVerdict;
}

describe("verifySignedData: one status per signer, first that applies", () => {
  it("valid: name, address, digest, algorithm, chain, signing time", async () => {
    const v = await verdict(sign(alice), { expectedAddresses: ["Alice@EXAMPLE.test"] });
    expect(v).toMatchObject({
      status: "valid",
      name: "Alice Example",
      email: "alice@example.test",
      emails: ["alice@example.test"],
      digest: "SHA-256",
      signatureAlgorithm: "RSA",
    });
    expect(v.weakDigest).toBeUndefined();
    expect(v.chain.map((c) => c.subject)).toEqual(["CN=Alice Example", "CN=Verify Inter", "CN=Verify Root"]);
    expect(Math.abs((v.signingTime?.getTime() ?? 0) - Date.now())).toBeLessThan(120_000);
  });

  it("bad-signature: altered content, with the precise reason", async () => {
    const v = await verdict(sign(alice), {
      content: Buffer.from(CONTENT.toString().replace("Hello", "Jello")),
    });
    expect(v).toMatchObject({
      status: "bad-signature",
      reason: "message digest mismatch: content was altered",
    });
    expect(v.name).toBe("Alice Example");
  });

  it("unknown-signer (not bad-signature): signer certificate missing, found again through known certificates", async () => {
    const der = opensslSign(dir, CONTENT, [{ issued: alice }], ["-nocerts"]);
    expect(await verdict(der)).toMatchObject({
      status: "unknown-signer",
      reason: "signer certificate not found in the message or known certificates",
    });
    expect(await verdict(der, { known: [alice.cert, inter.cert] })).toMatchObject({ status: "valid" });
  });

  it("revoked when the issuer's CRL is known, else not checked", async () => {
    const der = sign(revoked);
    expect(await verdict(der, { crls: [crl] })).toMatchObject({ status: "revoked" });
    expect(await verdict(der)).toMatchObject({ status: "valid" });
  });

  it("expired and not-yet-valid at the validation time; signingTime never rescues", async () => {
    const der = sign(leaves.expired as Issued);
    const v = await verdict(der, { at: later(20) });
    expect(v.status).toBe("expired");
    expect(v.reason).toMatch(/^certificate CN=Expiring expired \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await verdict(der)).toMatchObject({ status: "valid" });
    expect(await verdict(sign(leaves.future as Issued))).toMatchObject({ status: "not-yet-valid" });
  });

  it("untrusted: a root the message carries is not an anchor", async () => {
    const mallory = leaves.untrusted as Issued;
    const der = opensslSign(
      dir,
      CONTENT,
      [{ issued: mallory }],
      ["-certfile", (mallory.issuer as Ca).certPath],
    );
    expect(await verdict(der)).toMatchObject({
      status: "untrusted",
      reason: "root CN=Evil Root is not trusted",
    });
  });

  it("wrong-usage: EKU without emailProtection, keyUsage without digitalSignature", async () => {
    expect(await verdict(sign(leaves.wrongEku as Issued))).toMatchObject({
      status: "wrong-usage",
      reason: "certificate lacks emailProtection",
    });
    expect(await verdict(sign(leaves.wrongKu as Issued))).toMatchObject({
      status: "wrong-usage",
      reason: "certificate keyUsage lacks digitalSignature and nonRepudiation",
    });
  });

  it("weak-algorithm for MD5 (never valid); SHA-1 only flags weakDigest", async () => {
    const md5 = await verdict(sign(alice, [], "md5"));
    expect(md5).toMatchObject({ status: "weak-algorithm", digest: "MD5", weakDigest: true });
    const sha1 = await verdict(sign(alice, [], "sha1"));
    expect(sha1).toMatchObject({ status: "valid", digest: "SHA-1", weakDigest: true });
  });

  it("addresses compare in the one normal form: case, trailing dots, IDNA", async () => {
    for (const from of ["Alice@EXAMPLE.test.", "alice@example.test..", "<alice@Example.Test>"])
      expect(await verdict(sign(alice), { expectedAddresses: [from] }), from).toMatchObject({
        status: "valid",
        email: "alice@example.test",
      });
  });

  it("weak-algorithm for a SHA-1-signed signer certificate, after wrong-usage and before address-mismatch", async () => {
    const sha1 = pki.leaf(inter, { cn: "SHA1 Cert", emails: ["sha1@example.test"], md: "sha1" });
    const v = await verdict(sign(sha1), { expectedAddresses: ["someone@else.test"] });
    expect(v).toMatchObject({
      status: "weak-algorithm",
      reason: "certificate CN=SHA1 Cert is signed with SHA-1",
    });
    expect(v.weakDigest).toBeUndefined(); // the message digest itself is SHA-256
    const sha1Server = pki.leaf(inter, {
      cn: "SHA1 Server",
      md: "sha1",
      ext: "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n",
    });
    expect(await verdict(sign(sha1Server))).toMatchObject({ status: "wrong-usage" });
  });

  it("address-mismatch: no certificate address matches; no address at all", async () => {
    const v = await verdict(sign(alice), { expectedAddresses: ["bob@example.test"] });
    expect(v).toMatchObject({
      status: "address-mismatch",
      reason: "no certificate address matches bob@example.test (certificate: alice@example.test)",
      email: "alice@example.test",
    });
    const none = await verdict(sign(leaves.noEmail as Issued), { expectedAddresses: ["x@example.test"] });
    expect(none).toMatchObject({ status: "address-mismatch", reason: "certificate has no email address" });
    expect(await verdict(sign(leaves.noEmail as Issued))).toMatchObject({ status: "valid" });
  });

  it("status order: a revoked certificate used with MD5 and the wrong address is revoked", async () => {
    const v = await verdict(sign(revoked, [], "md5"), { crls: [crl], expectedAddresses: ["nobody@x.test"] });
    expect(v.status).toBe("revoked");
    expect(v.weakDigest).toBe(true);
  });

  it("unsupported-algorithm (not bad-signature) for a DSA signer openssl made", async () => {
    const params = `${pki.dir}/dsa.params`;
    const keyPath = `${pki.dir}/dsa.key`;
    run("openssl", [
      "genpkey",
      "-genparam",
      "-algorithm",
      "DSA",
      "-pkeyopt",
      "dsa_paramgen_bits:2048",
      "-out",
      params,
    ]);
    run("openssl", ["genpkey", "-paramfile", params, "-out", keyPath]);
    const dsa = pki.leaf(inter, {
      cn: "DSA Signer",
      emails: ["dsa@example.test"],
      key: { path: keyPath, key: createPrivateKey(readFileSync(keyPath)) },
      ext: "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = emailProtection\nsubjectAltName = email:dsa@example.test\n",
    });
    expect(dsa.cert.keyAlgorithm).toBe("DSA");
    const v = await verdict(sign(dsa));
    expect(v).toMatchObject({
      status: "unsupported-algorithm",
      name: "DSA Signer",
      email: "dsa@example.test",
    });
    expect(v.reason).toContain("unsupported signature algorithm 2.16.840.1.101.3.4.3.2");
  });

  it("several signers, each with its own verdict", async () => {
    const der = opensslSign(
      dir,
      CONTENT,
      [{ issued: alice }, { issued: leaves.expired as Issued }, { issued: leaves.wrongEku as Issued }],
      ["-certfile", inter.certPath, "-md", "sha384"], // openssl's -md applies to every signer
    );
    const r = await verifySignedData(der, { content: CONTENT, trust: [root.cert], at: later(20) });
    const byName = Object.fromEntries(r.signers.map((s) => [s.name, s]));
    expect(byName["Alice Example"]?.status).toBe("valid");
    expect(byName.Expiring).toMatchObject({ status: "expired", digest: "SHA-384" });
    expect(byName.Server?.status).toBe("wrong-usage");
    expect(r.digests).toEqual(["SHA-384"]);
  });

  it("unsupported PSS variant (MGF1 hash ≠ hash) is unsupported-algorithm with the reason, never valid", async () => {
    const der = opensslSign(
      dir,
      CONTENT,
      [{ issued: alice, keyopt: ["rsa_padding_mode:pss", "rsa_mgf1_md:sha1"] }],
      ["-certfile", inter.certPath],
    );
    // openssl omits [1] maskGenAlgorithm, so the DEFAULT mgf1SHA1 applies (RFC 4055 §3.1).
    expect(await verdict(der)).toMatchObject({
      status: "unsupported-algorithm",
      signatureAlgorithm: "RSA-PSS",
      reason: "RSASSA-PSS with MGF1 hash SHA-1 differing from SHA-256",
    });
  });
});

describe("signed-attribute rules (RFC 5652 §5.3, §5.4, §11; RFC 5035)", () => {
  const identity = () => pki.identity(alice);
  const check = async (
    attributes: Uint8Array[] | undefined,
    extra: { eContentType?: string; sort?: boolean } = {},
  ) =>
    verdict(
      craftSignedData({ identity: identity(), content: CONTENT, detached: true, attributes, ...extra }),
    );

  it("accepts the hand-built baseline (so each case below breaks one rule only)", async () => {
    expect(await check(standardAttributes(CONTENT, identity()))).toMatchObject({ status: "valid" });
  });

  it("hashes the received attribute bytes: non-DER order still verifies", async () => {
    const attrs = standardAttributes(CONTENT, identity()).reverse();
    expect(await check(attrs, { sort: false })).toMatchObject({ status: "valid" });
  });

  it("missing or duplicate contentType / messageDigest, a lying contentType, a wrong ESS hash", async () => {
    const [ct, md, st, ess] = standardAttributes(CONTENT, identity()) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    const cases: [Uint8Array[], string][] = [
      [[md, st], "missing contentType attribute"],
      [[ct, st], "missing messageDigest attribute"],
      [[ct, md, md], "duplicate messageDigest attribute"],
      [
        [ct, attr(OID.messageDigest, octetString(Buffer.alloc(32)), octetString(Buffer.alloc(32, 1))), st],
        "messageDigest attribute must have exactly one value",
      ],
      [
        [attr(OID.contentType, oid(OID.envelopedData)), md],
        `contentType attribute ${OID.envelopedData} differs from eContentType ${OID.data}`,
      ],
      [
        [ct, md, attr(OID.signingCertificateV2, sequence(sequence(sequence(octetString(Buffer.alloc(32))))))],
        "signingCertificate attribute names a different certificate",
      ],
      [
        [
          ct,
          md,
          ess,
          attr(OID.signingCertificate, sequence(sequence(sequence(octetString(Buffer.alloc(20)))))),
        ],
        "valid",
      ],
    ];
    for (const [attributes, reason] of cases) {
      const v = await check(attributes, { sort: false });
      if (reason === "valid") expect(v.status).toBe("valid");
      else expect(v, reason).toMatchObject({ status: "bad-signature", reason });
    }
  });

  it("an unreadable attribute makes that signer bad-signature instead of failing the message", async () => {
    const [ct, md] = standardAttributes(CONTENT, identity()) as [Uint8Array, Uint8Array];
    const emptyOid = Buffer.from("300406003100", "hex");
    const v = await check([ct, md, emptyOid], { sort: false });
    expect(v.status).toBe("bad-signature");
    expect(v.reason).toMatch(/^malformed SignerInfo: ASN\.1: empty OBJECT IDENTIFIER/);
  });

  it("no signed attributes: verified over the content, but required for non-data content", async () => {
    expect(await check(undefined)).toMatchObject({ status: "valid" });
    expect(await check(undefined, { eContentType: OID.envelopedData })).toMatchObject({
      status: "bad-signature",
      reason: "signed attributes are required when eContentType is not id-data",
    });
  });
});

describe("algorithm identifiers and signer identifiers as real senders write them", () => {
  const craft = (extra: Partial<Parameters<typeof craftSignedData>[0]>, who: Issued = alice) => {
    const identity = pki.identity(who);
    return verdict(
      craftSignedData({
        identity,
        content: CONTENT,
        detached: true,
        attributes: standardAttributes(CONTENT, identity),
        ...extra,
      }),
    );
  };

  it("digest parameters NULL or absent; sha256WithRSAEncryption or rsaEncryption; id-ecPublicKey for ECDSA", async () => {
    const ec = pki.leaf(inter, { cn: "Old EC Sender", key: pki.key("p256") });
    expect(await craft({ digestAlgorithm: algorithmIdentifier(SHA256, nullValue()) })).toMatchObject({
      status: "valid",
    });
    expect(
      await craft({ signatureAlgorithm: algorithmIdentifier(OID.sha256WithRSA, nullValue()) }),
    ).toMatchObject({
      status: "valid",
      signatureAlgorithm: "RSA",
    });
    expect(await craft({ signatureAlgorithm: algorithmIdentifier(OID.ecPublicKey) }, ec)).toMatchObject({
      status: "valid",
      signatureAlgorithm: "ECDSA",
    });
    expect(await craft({ signatureAlgorithm: algorithmIdentifier(OID.ecdsaWithSha256) }, ec)).toMatchObject({
      status: "valid",
    });
  });

  it("conflicting algorithms are bad-signature, unknown ones unsupported-algorithm, with the reason", async () => {
    expect(
      await craft({ signatureAlgorithm: algorithmIdentifier(OID.sha384WithRSA, nullValue()) }),
    ).toMatchObject({
      status: "bad-signature",
      reason: "signatureAlgorithm uses SHA-384 but digestAlgorithm is SHA-256",
    });
    expect(await craft({ signatureAlgorithm: algorithmIdentifier(OID.ecdsaWithSha256) })).toMatchObject({
      status: "bad-signature",
      reason: "ECDSA signature but the certificate holds a rsa key",
    });
    expect(await craft({ signatureAlgorithm: algorithmIdentifier("1.2.3.4.5") })).toMatchObject({
      status: "unsupported-algorithm",
      reason: "unsupported signature algorithm 1.2.3.4.5",
      signatureAlgorithm: "1.2.3.4.5",
    });
    expect(await craft({ digestAlgorithm: algorithmIdentifier("1.2.840.113549.2.2") })).toMatchObject({
      status: "unsupported-algorithm",
      reason: "unsupported digest algorithm 1.2.840.113549.2.2",
    });
  });

  it("issuer matched by RFC 5280 name comparison, serial by INTEGER value (zero-padded)", async () => {
    const cert = alice.cert;
    const hex = cert.serialHex.length % 2 ? `0${cert.serialHex}` : cert.serialHex;
    const padded = tlv(0x02, Buffer.from(`0000${hex}`, "hex"));
    const issuer = sequence(setOf([sequence(oid(OID.commonName), printableString("verify  INTER"))]));
    expect(await craft({ sid: sequence(issuer, padded) })).toMatchObject({ status: "valid" });
    const wrongSerial = sequence(cert.issuerName.der, integer(cert.serial + 1n));
    expect(await craft({ sid: wrongSerial })).toMatchObject({
      status: "unknown-signer",
      reason: "signer certificate not found in the message or known certificates",
    });
  });

  it("SKI signer identifier falls back to SHA-1 of the key when the certificate has no SKI extension", async () => {
    const noSki = pki.leaf(inter, {
      cn: "No SKI",
      ext: "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nsubjectKeyIdentifier = none\nsubjectAltName = email:noski@example.test\n",
    });
    expect(noSki.cert.subjectKeyIdentifier).toBeUndefined();
    const keyId = createHash("sha1").update(noSki.cert.publicKeyBits).digest();
    expect(await craft({ sid: implicitPrimitive(0, keyId) }, noSki)).toMatchObject({
      status: "valid",
      name: "No SKI",
    });
  });
});

describe("malformed input is a CoreError, never a verdict", () => {
  it("garbage, truncation, trailing bytes, a certificate where CMS belongs, another content type", async () => {
    const good = sign(alice);
    const inputs: [Uint8Array, string][] = [
      [Buffer.from("not der at all"), "malformed"],
      [good.subarray(0, good.length - 10), "malformed"],
      [Buffer.concat([good, Buffer.from([0])]), "malformed"],
      [alice.cert.der, "malformed"],
      [sequence(oid(OID.envelopedData), Buffer.from([0xa0, 0x02, 0x30, 0x00])), "malformed"],
      [sequence(algorithmIdentifier(OID.signedData)), "malformed"],
    ];
    for (const [der, code] of inputs) {
      const error = await verifySignedData(der, { content: CONTENT, trust: [root.cert] }).catch(
        (e: unknown) => e,
      );
      expect(error, Buffer.from(der.subarray(0, 8)).toString("hex")).toBeInstanceOf(CoreError);
      expect((error as CoreError).code).toBe(code);
    }
  });

  it("enforces limits and refuses content on the wrong form", async () => {
    const der = opensslSign(dir, CONTENT, [{ issued: alice }, { issued: revoked }], []);
    await expect(
      verifySignedData(der, { content: CONTENT, trust: [], limits: { maxSigners: 1 } }),
    ).rejects.toMatchObject({
      code: "limit-exceeded",
    });
    await expect(verifySignedData(der, { trust: [] })).rejects.toMatchObject({ code: "invalid-argument" });
    const opaque = sign(alice, ["-nodetach"]);
    await expect(verifySignedData(opaque, { content: CONTENT, trust: [] })).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await expect(
      verifySignedData(der, { content: CONTENT, trust: [], limits: { ber: { maxNodes: 50 } } }),
    ).rejects.toMatchObject({
      code: "limit-exceeded",
    });
  });
});

describe("certificateCache", () => {
  it("reuses parsed message certificates across calls, without pinning the message buffer", async () => {
    const cache = new Map<string, Certificate>();
    const der = sign(alice);
    const first = await verifySignedData(der, {
      content: CONTENT,
      trust: [root.cert],
      certificateCache: cache,
    });
    expect(cache.size).toBe(2);
    const second = await verifySignedData(Buffer.from(der), {
      content: CONTENT,
      trust: [root.cert],
      certificateCache: cache,
    });
    expect(second.signers[0]?.status).toBe("valid");
    expect(second.signers[0]?.certificate).toBe(first.signers[0]?.certificate);
    expect(first.signers[0]?.certificate?.der.buffer).not.toBe(der.buffer);
  });
});
