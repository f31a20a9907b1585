import { createHash } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DigestName } from "../../algorithms.js";
import { signData } from "./sign-data.js";
import { type Ca, type Issued, OpensslPki } from "./test-support/openssl-pki.js";
import { opensslSign, opensslVerify, tempDir } from "./test-support/peers.js";
import type { SignOptions } from "./types.js";
import { verifySignedData } from "./verify-signed-data.js";

/**
 * `contentDigests` (RFC 5652 §5.4, §5.6: a detached signature with signed attributes depends
 * on the content only through its messageDigest): digests the caller computed while streaming
 * the content elsewhere stand in for the content, on both sides, with the same result.
 */
const CONTENT = Buffer.from("Content-Type: text/plain\r\n\r\nstreamed past, digested on the way\r\n");
const digestsOf = (content: Uint8Array, names: DigestName[]) =>
  new Map(names.map((n) => [n, createHash(n.replace("-", "").toLowerCase()).update(content).digest()]));

let pki: OpensslPki;
let dir: string;
let root: Ca;
let alice: Issued;
let bob: Issued;

beforeAll(() => {
  pki = new OpensslPki();
  dir = tempDir("digests", pki.dir);
  root = pki.root("Digests Root");
  alice = pki.leaf(root, { cn: "Alice", emails: ["alice@example.test"] });
  bob = pki.leaf(root, { cn: "Bob", emails: ["bob@example.test"], key: pki.key("p256") });
});
afterAll(() => pki.cleanup());

describe("verifySignedData with contentDigests", () => {
  it("gives the verdicts the content gives, for several signers (openssl-signed)", async () => {
    // `openssl cms -sign -md` applies to every signer: both use SHA-384 here.
    const der = opensslSign(dir, CONTENT, [
      { issued: alice, md: "sha384" },
      { issued: bob, md: "sha384" },
    ]);
    const options = { trust: [root.cert], expectedAddresses: ["alice@example.test"] };
    const withContent = await verifySignedData(der, { ...options, content: CONTENT });
    const withDigests = await verifySignedData(der, {
      ...options,
      contentDigests: digestsOf(CONTENT, ["SHA-384"]),
    });
    const statuses = Object.fromEntries(withContent.signers.map((s) => [s.name, s.status]));
    expect(statuses).toEqual({ Alice: "valid", Bob: "address-mismatch" });
    expect(withDigests.signers.map((s) => [s.name, s.status, s.reason, s.digest])).toEqual(
      withContent.signers.map((s) => [s.name, s.status, s.reason, s.digest]),
    );
    expect(withDigests.digests).toEqual(["SHA-384"]);
    expect(withDigests.form).toBe("detached");
    expect(withDigests.content).toBeUndefined();
  });

  it("a digest of other content is a bad signature, as altered content is", async () => {
    const der = opensslSign(dir, CONTENT, [{ issued: alice }]);
    const r = await verifySignedData(der, {
      trust: [root.cert],
      contentDigests: digestsOf(Buffer.from("something else"), ["SHA-256"]),
    });
    expect(r.signers[0]).toMatchObject({
      status: "bad-signature",
      reason: "message digest mismatch: content was altered",
    });
  });

  it("not-streamable when a signer needs a digest not given, or signed the content directly", async () => {
    const sha512 = opensslSign(dir, CONTENT, [{ issued: alice, md: "sha512" }]);
    await expect(
      verifySignedData(sha512, { trust: [root.cert], contentDigests: digestsOf(CONTENT, ["SHA-256"]) }),
    ).rejects.toMatchObject({ code: "not-streamable", message: expect.stringContaining("SHA-512") });
    const direct = opensslSign(dir, CONTENT, [{ issued: alice }], ["-noattr"]);
    await expect(
      verifySignedData(direct, { trust: [root.cert], contentDigests: digestsOf(CONTENT, ["SHA-256"]) }),
    ).rejects.toMatchObject({ code: "not-streamable" });
    // …while the content itself still verifies both.
    for (const der of [sha512, direct])
      expect((await verifySignedData(der, { trust: [root.cert], content: CONTENT })).signers[0]?.status).toBe(
        "valid",
      );
  });

  it("refuses content and digests together, and digests for an encapsulating signature", async () => {
    const digests = digestsOf(CONTENT, ["SHA-256"]);
    const detached = opensslSign(dir, CONTENT, [{ issued: alice }]);
    await expect(
      verifySignedData(detached, { trust: [], content: CONTENT, contentDigests: digests }),
    ).rejects.toMatchObject({ code: "invalid-argument" });
    const opaque = opensslSign(dir, CONTENT, [{ issued: alice }], ["-nodetach"]);
    await expect(verifySignedData(opaque, { trust: [], contentDigests: digests })).rejects.toMatchObject({
      code: "invalid-argument",
    });
  });
});

describe("signData with contentDigests", () => {
  const signingTime = new Date("2031-05-06T07:08:09Z");
  const options = (who: Issued, digest: DigestName): SignOptions => ({
    signers: [{ identity: pki.identity(who), digest }],
    detached: true,
    signingTime,
  });

  it("writes the very bytes signing the content writes (RSA PKCS#1 v1.5 is deterministic)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.constantFrom<DigestName>("SHA-256", "SHA-384", "SHA-512"),
        async (content, digest) => {
          const fromContent = await signData(content, options(alice, digest));
          const fromDigests = await signData(undefined, {
            ...options(alice, digest),
            contentDigests: digestsOf(content, [digest]),
          });
          expect(Buffer.from(fromDigests).equals(Buffer.from(fromContent))).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("openssl verifies it against the content, and so do we from the digests (RSA and ECDSA signers)", async () => {
    const der = await signData(undefined, {
      signers: [
        { identity: pki.identity(alice), digest: "SHA-384" },
        { identity: pki.identity(bob), digest: "SHA-256" },
      ],
      detached: true,
      contentDigests: digestsOf(CONTENT, ["SHA-256", "SHA-384"]),
    });
    const verified = opensslVerify(dir, der, root, CONTENT);
    expect(verified.ok, verified.stderr).toBe(true);
    const altered = opensslVerify(dir, der, root, Buffer.from("altered"));
    expect(altered.ok).toBe(false);
    const ours = await verifySignedData(der, {
      trust: [root.cert],
      contentDigests: digestsOf(CONTENT, ["SHA-384", "SHA-256"]),
    });
    expect(ours.signers.map((v) => [v.name, v.status, v.digest]).sort()).toEqual([
      ["Alice", "valid", "SHA-384"],
      ["Bob", "valid", "SHA-256"],
    ]);
  });

  it("refuses misuse: content too, encapsulated, no signed attributes, a missing or short digest", async () => {
    const digests = digestsOf(CONTENT, ["SHA-256"]);
    const base = options(alice, "SHA-256");
    const refused = [
      signData(CONTENT, { ...base, contentDigests: digests }),
      signData(undefined, { ...base, detached: false, contentDigests: digests }),
      signData(undefined, { ...base, signedAttributes: false, contentDigests: digests }),
      signData(undefined, { ...options(alice, "SHA-384"), contentDigests: digests }),
      signData(undefined, {
        ...base,
        contentDigests: new Map([["SHA-256", (digests.get("SHA-256") as Buffer).subarray(1)]]),
      }),
      signData(undefined, base),
    ];
    for (const attempt of refused) await expect(attempt).rejects.toMatchObject({ code: "invalid-argument" });
  });
});
