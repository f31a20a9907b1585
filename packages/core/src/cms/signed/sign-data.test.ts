import { verify } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OID } from "../../algorithms.js";
import {
  berContext,
  children,
  contentBytes,
  readOid,
  readRoot,
  readTime,
  type Tlv,
} from "../../asn1/ber-reader.js";
import { CoreError } from "../../errors.js";
import { parseSignedData, type RawSignerInfo } from "./parse-signed-data.js";
import { signData } from "./sign-data.js";
import { type Ca, type Issued, OpensslPki } from "./test-support/openssl-pki.js";
import { opensslVerify, tempDir } from "./test-support/peers.js";
import type { SignOptions } from "./types.js";
import { verifySignedData } from "./verify-signed-data.js";

/** What signData writes, byte by byte (RFC 5652 §5, RFC 5035, RFC 4055, RFC 8551 §2.5.2). */
const CONTENT = Buffer.from("Content-Type: text/plain\r\n\r\nbody\r\n");

let pki: OpensslPki;
let root: Ca;
let inter: Ca;
let alice: Issued;
let ed: Issued;

beforeAll(() => {
  pki = new OpensslPki();
  root = pki.root("Sign Root");
  inter = pki.intermediate(root, "Sign Inter");
  alice = pki.leaf(inter, { cn: "Alice", emails: ["alice@example.test"] });
  ed = pki.leaf(inter, {
    cn: "Ed Signer",
    emails: ["ed@example.test"],
    key: pki.key("ed25519"),
    ext: "keyUsage = digitalSignature\nextendedKeyUsage = emailProtection\nsubjectAltName = email:ed@example.test\n",
  });
});
afterAll(() => pki.cleanup());

function firstSigner(der: Uint8Array): { raw: RawSignerInfo; attrs: Map<string, Tlv> } {
  const ctx = berContext();
  const sd = parseSignedData(der, ctx, 8, 8);
  const raw = sd.signerInfos[0] as RawSignerInfo;
  const attrs = new Map<string, Tlv>();
  if (raw.signedAttrs)
    for (const a of children(der, raw.signedAttrs)) {
      const [t, v] = children(der, a);
      attrs.set(readOid(der, t as Tlv), children(der, v as Tlv)[0] as Tlv);
    }
  return { raw, attrs };
}

const sign = (extra: Partial<SignOptions> = {}, who: Issued = alice) =>
  signData(CONTENT, { signers: [{ identity: pki.identity(who) }], detached: true, ...extra });

describe("signData output structure", () => {
  it("signed attributes are DER-sorted, signed as SET OF (0x31) and written as [0] with the same bytes", async () => {
    const der = await sign({ signingTime: new Date("2030-01-02T03:04:05Z") });
    const { raw, attrs } = firstSigner(der);
    const written = der.subarray((raw.signedAttrs as Tlv).start, (raw.signedAttrs as Tlv).end);
    expect(written[0]).toBe(0xa0);
    const asSet = Buffer.from(written);
    asSet[0] = 0x31;
    expect(verify("sha256", asSet, alice.cert.publicKey, raw.signature)).toBe(true);
    const encoded = children(der, raw.signedAttrs as Tlv).map((t) =>
      Buffer.from(der.subarray(t.start, t.end)),
    );
    expect(encoded).toEqual([...encoded].sort(Buffer.compare));
    expect([...attrs.keys()].sort()).toEqual(
      [
        OID.contentType,
        OID.messageDigest,
        OID.signingTime,
        OID.smimeCapabilities,
        OID.signingCertificateV2,
      ].sort(),
    );
    expect(readTime(der, attrs.get(OID.signingTime) as Tlv)).toEqual(new Date("2030-01-02T03:04:05Z"));
  });

  it("signingTime is UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5652 §11.3)", async () => {
    for (const [iso, tag] of [
      ["2049-12-31T23:59:59Z", 0x17],
      ["2050-01-01T00:00:00Z", 0x18],
      ["1949-12-31T23:59:59Z", 0x18],
    ] as const) {
      const der = await sign({ signingTime: new Date(iso) });
      const t = firstSigner(der).attrs.get(OID.signingTime) as Tlv;
      expect(t.tag).toBe(tag);
      expect(readTime(der, t).toISOString()).toBe(iso.replace("Z", ".000Z"));
    }
  });

  it("SMIMECapabilities in preference order; ESS certHash is SHA-256 of the signer certificate with IssuerSerial", async () => {
    const der = await sign({ capabilities: ["AES-128-GCM", "AES-256-CBC", "3DES-CBC"] });
    const { attrs } = firstSigner(der);
    const caps = attrs.get(OID.smimeCapabilities) as Tlv;
    expect(children(der, caps).map((c) => readOid(der, children(der, c)[0] as Tlv))).toEqual([
      "2.16.840.1.101.3.4.1.6",
      "2.16.840.1.101.3.4.1.42",
      "1.2.840.113549.3.7",
    ]);
    const ess = attrs.get(OID.signingCertificateV2) as Tlv;
    const certId = children(der, children(der, ess)[0] as Tlv)[0] as Tlv;
    const [hash, issuerSerial] = children(der, certId);
    expect(Buffer.from(contentBytes(der, hash as Tlv)).toString("hex")).toBe(alice.cert.sha256);
    expect(issuerSerial?.tag).toBe(0x30);
  });

  it("digest parameters absent, rsaEncryption with NULL, RFC 4055 PSS parameters for SHA-256", async () => {
    const der = Buffer.from(await sign());
    expect(der.includes(Buffer.from("300b0609608648016503040201", "hex"))).toBe(true);
    expect(der.includes(Buffer.from("300d06092a864886f70d0101010500", "hex"))).toBe(true);
    const pss = Buffer.from(
      await signData(CONTENT, {
        signers: [{ identity: pki.identity(alice), scheme: "pss" }],
        detached: true,
      }),
    );
    // RFC 4055 §3.1 / SMIME-NOTES §2.4 "typical SHA-256 params": hash, MGF1(SHA-256), salt 32.
    const params =
      "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120";
    expect(pss.includes(Buffer.from(`06092a864886f70d01010a${params}`, "hex"))).toBe(true);
  });

  it("version 1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier; chain included once, or not at all", async () => {
    const v1 = await sign();
    const sd = (der: Uint8Array) =>
      children(der, children(der, children(der, readRoot(der))[1] as Tlv)[0] as Tlv);
    expect(contentBytes(v1, sd(v1)[0] as Tlv)[0]).toBe(1);
    expect(parseSignedData(v1, berContext(), 4, 8).certificates).toHaveLength(2);
    const v3 = await signData(CONTENT, {
      signers: [
        { identity: pki.identity(alice), sid: "subjectKeyIdentifier" },
        { identity: pki.identity(alice, true) },
      ],
      detached: true,
    });
    expect(contentBytes(v3, sd(v3)[0] as Tlv)[0]).toBe(3);
    expect(parseSignedData(v3, berContext(), 4, 8).certificates).toHaveLength(3); // leaf, inter, root once each
    const bare = await sign({ includeChain: false });
    expect(parseSignedData(bare, berContext(), 4, 8).certificates).toHaveLength(0);
  });

  it("streamed content gives the same bytes as buffered content (deterministic PKCS#1 v1.5)", async () => {
    const fixed = { signingTime: new Date("2031-05-05T05:05:05Z") };
    for (const detached of [true, false]) {
      const a = await signData(CONTENT, { signers: [{ identity: pki.identity(alice) }], detached, ...fixed });
      const stream = (async function* () {
        for (const b of CONTENT) yield Uint8Array.of(b);
      })();
      const b = await signData(stream, { signers: [{ identity: pki.identity(alice) }], detached, ...fixed });
      expect(Buffer.from(b)).toEqual(Buffer.from(a));
    }
  });

  it("Ed25519 (RFC 8419): SHA-512 message digest, PureEdDSA over the attributes (no peer here verifies it)", async () => {
    const dir = tempDir("ed25519", pki.dir);
    for (const detached of [true, false]) {
      const der = await signData(CONTENT, { signers: [{ identity: pki.identity(ed) }], detached });
      const r = await verifySignedData(der, {
        trust: [root.cert],
        ...(detached ? { content: CONTENT } : {}),
      });
      expect(r.signers[0]).toMatchObject({
        status: "valid",
        digest: "SHA-512",
        signatureAlgorithm: "Ed25519",
      });
      // Peer limitation: OpenSSL 3.0's CMS has no Ed25519 (it fails in eddsa_digest_signverify_init).
      const peer = opensslVerify(dir, der, root, detached ? CONTENT : undefined);
      expect(peer.ok).toBe(false);
      expect(peer.stderr).toContain("invalid digest");
    }
  });

  it("refuses misuse with CoreError invalid-argument", async () => {
    const id = pki.identity(alice);
    const cases: SignOptions[] = [
      { signers: [], detached: true },
      { signers: [{ identity: id, digest: "MD5" }], detached: true },
      { signers: [{ identity: id, digest: "SHA-224" }], detached: true },
      { signers: [{ identity: { ...id, privateKey: alice.cert.publicKey } }], detached: true },
      { signers: [{ identity: pki.identity(ed), digest: "SHA-256" }], detached: true },
      {
        signers: [{ identity: id }],
        detached: true,
        signedAttributes: false,
        contentType: OID.envelopedData,
      },
    ];
    for (const options of cases) {
      const error = await signData(CONTENT, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CoreError);
      expect((error as CoreError).code).toBe("invalid-argument");
    }
  });
});

describe("round trip (fast-check): signData → verifySignedData is valid and returns the content", () => {
  it("over random content and options", async () => {
    const ec = pki.leaf(inter, { cn: "Round Trip EC", emails: ["ec@example.test"], key: pki.key("p256") });
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.record({
          detached: fc.boolean(),
          signedAttributes: fc.boolean(),
          digest: fc.constantFrom("SHA-1", "SHA-256", "SHA-384", "SHA-512" as const),
          key: fc.constantFrom("rsa-pkcs1", "rsa-pss", "ec"),
          sid: fc.constantFrom("issuerAndSerialNumber", "subjectKeyIdentifier" as const),
          chunk: fc.integer({ min: 0, max: 700 }),
        }),
        async (content, o) => {
          const identity = pki.identity(o.key === "ec" ? ec : alice);
          const source =
            o.chunk === 0
              ? content
              : (async function* () {
                  for (let i = 0; i < content.length; i += o.chunk) yield content.subarray(i, i + o.chunk);
                })();
          const der = await signData(source, {
            signers: [
              { identity, digest: o.digest, sid: o.sid, scheme: o.key === "rsa-pss" ? "pss" : "pkcs1" },
            ],
            detached: o.detached,
            signedAttributes: o.signedAttributes,
          });
          const r = await verifySignedData(der, { trust: [root.cert], ...(o.detached ? { content } : {}) });
          expect(r.signers.map((s) => s.status)).toEqual(["valid"]);
          expect(r.signers[0]?.digest).toBe(o.digest);
          if (!o.detached) expect(Buffer.from(r.content ?? [])).toEqual(Buffer.from(content));
        },
      ),
      { numRuns: 60 },
    );
  });
});
