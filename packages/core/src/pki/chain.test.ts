import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oid as derOid } from "../asn1/der-writer.js";
import { type Ca, type Issued, OpensslPki } from "../cms/signed/test-support/openssl-pki.js";
import { checkSmimeUsage, crlIsUsable, validatePath } from "./chain.js";
import { parseCrl } from "./crl.js";
import { replaceBytes, resign } from "./test-support/resign.js";

const DAY = 86_400_000;
const now = new Date();
const later = (days: number) => new Date(now.getTime() + days * DAY);

let pki: OpensslPki;
let root: Ca;
let inter: Ca;
let leaf: Issued;

beforeAll(() => {
  pki = new OpensslPki();
  root = pki.root("Chain Root");
  inter = pki.intermediate(root, "Chain Inter");
  leaf = pki.leaf(inter, { cn: "Alice", emails: ["alice@example.test"] });
});
afterAll(() => pki.cleanup());

const validate = (cert: Issued, extra: Partial<Parameters<typeof validatePath>[1]> = {}) =>
  validatePath(cert.cert, { trust: [root.cert], intermediates: [inter.cert], at: now, ...extra });

describe("validatePath (RFC 5280 §6 subset) on openssl-made chains", () => {
  it("builds leaf → intermediate → anchor", () => {
    const r = validate(leaf);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.chain.map((c) => c.subject)).toEqual(["CN=Alice", "CN=Chain Inter", "CN=Chain Root"]);
  });

  it("a leaf that is itself an anchor is trusted alone", () => {
    const r = validatePath(leaf.cert, { trust: [leaf.cert], intermediates: [], at: now });
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(r.chain).toHaveLength(1);
  });

  it("reports a missing intermediate as untrusted, naming the issuer", () => {
    const r = validate(leaf, { intermediates: [] });
    expect(r).toMatchObject({
      ok: false,
      status: "untrusted",
      reason: "issuer CN=Chain Inter not trusted or not found",
    });
  });

  it("never trusts a root just because it was offered as a candidate", () => {
    const evil = pki.root("Evil Root");
    const mallory = pki.leaf(evil, { cn: "Mallory", emails: ["alice@example.test"] });
    const r = validatePath(mallory.cert, { trust: [root.cert], intermediates: [evil.cert], at: now });
    expect(r).toMatchObject({ ok: false, status: "untrusted", reason: "root CN=Evil Root is not trusted" });
  });

  it("expired and not-yet-valid at the validation time, for the leaf and for a CA", () => {
    const shortLived = pki.leaf(inter, { cn: "Short", end: later(10) });
    const expired = validate(shortLived, { at: later(20) });
    expect(expired).toMatchObject({ ok: false, status: "expired" });
    if (!expired.ok)
      expect(expired.reason).toBe(
        `certificate CN=Short expired ${shortLived.cert.notAfter.toISOString().replace(".000Z", "Z")}`,
      );
    expect(validate(shortLived, { at: later(5) }).ok).toBe(true);

    const future = pki.leaf(inter, { cn: "Future", start: later(3) });
    expect(validate(future)).toMatchObject({ ok: false, status: "not-yet-valid" });
    expect(validate(future, { at: later(4) }).ok).toBe(true);

    const shortCa = pki.intermediate(root, "Short CA", { end: later(5) });
    const under = pki.leaf(shortCa, { cn: "Under Short CA", end: later(300) });
    const r = validatePath(under.cert, { trust: [root.cert], intermediates: [shortCa.cert], at: later(6) });
    expect(r).toMatchObject({ ok: false, status: "expired" });
    if (!r.ok) expect(r.reason).toContain("CN=Short CA expired");
  });

  it("an expired leaf that is also untrusted reports expired (status order)", () => {
    const shortLived = pki.leaf(inter, { cn: "Short Untrusted", end: later(2) });
    expect(validate(shortLived, { intermediates: [], at: later(3) })).toMatchObject({ status: "expired" });
  });

  it("refuses an issuer without cA=TRUE, without keyCertSign, or beyond pathLenConstraint", () => {
    const notCa = pki.intermediate(root, "Not A CA", { ext: "basicConstraints = CA:FALSE\n" });
    const a = pki.leaf(notCa, { cn: "Under Not A CA" });
    const r1 = validatePath(a.cert, { trust: [root.cert], intermediates: [notCa.cert], at: now });
    expect(r1).toMatchObject({
      ok: false,
      status: "untrusted",
      reason: "CN=Not A CA is not a CA (basicConstraints)",
    });

    const noSign = pki.intermediate(root, "No KeyCertSign", {
      ext: "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,cRLSign,digitalSignature\n",
    });
    const b = pki.leaf(noSign, { cn: "Under No KeyCertSign" });
    const r2 = validatePath(b.cert, { trust: [root.cert], intermediates: [noSign.cert], at: now });
    expect(r2).toMatchObject({ status: "untrusted", reason: "CN=No KeyCertSign lacks keyCertSign" });

    const zero = pki.intermediate(root, "PathLen Zero", { pathlen: 0 });
    const deeper = pki.intermediate(zero, "Below PathLen Zero");
    const c = pki.leaf(deeper, { cn: "Too Deep" });
    const r3 = validatePath(c.cert, { trust: [root.cert], intermediates: [zero.cert, deeper.cert], at: now });
    expect(r3).toMatchObject({ status: "untrusted" });
    if (!r3.ok) expect(r3.reason).toContain("CN=PathLen Zero pathLenConstraint 0 exceeded");
    const direct = pki.leaf(zero, { cn: "Directly Below" });
    expect(validatePath(direct.cert, { trust: [root.cert], intermediates: [zero.cert], at: now }).ok).toBe(
      true,
    );
  });

  it("a certificate signed with MD5 or SHA-1 makes the path weak-algorithm, never valid", () => {
    const md5 = pki.leaf(inter, { cn: "MD5 Leaf", md: "md5" });
    expect(md5.cert.signatureAlgorithm.oid).toBe("1.2.840.113549.1.1.4");
    expect(validate(md5)).toMatchObject({
      ok: false,
      status: "weak-algorithm",
      reason: "certificate CN=MD5 Leaf is signed with MD5",
    });
    const sha1 = pki.leaf(inter, { cn: "SHA1 Leaf", md: "sha1" });
    expect(validate(sha1)).toMatchObject({
      ok: false,
      status: "weak-algorithm",
      reason: "certificate CN=SHA1 Leaf is signed with SHA-1",
    });
    const sha1Ca = pki.intermediate(root, "SHA1 CA", { md: "sha1" });
    const under = pki.leaf(sha1Ca, { cn: "Under SHA1 CA" });
    expect(
      validatePath(under.cert, { trust: [root.cert], intermediates: [sha1Ca.cert], at: now }),
    ).toMatchObject({ status: "weak-algorithm", reason: "certificate CN=SHA1 CA is signed with SHA-1" });
    // The anchor's own self-signature is not relied on: a SHA-1 root is no fault.
    const oldRoot = pki.root("SHA1 Root", { md: "sha1" });
    const modern = pki.leaf(oldRoot, { cn: "Under SHA1 Root" });
    expect(validatePath(modern.cert, { trust: [oldRoot.cert], intermediates: [], at: now }).ok).toBe(true);
  });

  it("weak-algorithm only as the sole fault: expired, not-yet-valid, untrusted and revoked keep their status", () => {
    const expiring = pki.leaf(inter, { cn: "SHA1 Expiring", md: "sha1", end: later(2) });
    expect(validate(expiring, { at: later(3) })).toMatchObject({ status: "expired" });
    const future = pki.leaf(inter, { cn: "SHA1 Future", md: "sha1", start: later(2) });
    expect(validate(future)).toMatchObject({ status: "not-yet-valid" });
    expect(validate(pki.leaf(inter, { cn: "SHA1 Orphan", md: "sha1" }), { intermediates: [] })).toMatchObject(
      {
        status: "untrusted",
      },
    );
    const odd = pki.leaf(inter, {
      cn: "SHA1 Odd",
      md: "sha1",
      extra: "1.3.6.1.4.1.99999.2 = critical,ASN1:NULL\n",
    });
    expect(validate(odd)).toMatchObject({ status: "untrusted" });
    const victim = pki.leaf(inter, { cn: "SHA1 Revoked", md: "sha1" });
    const { crl } = pki.revoke(victim);
    expect(validate(victim, { crls: [crl], at: new Date() })).toMatchObject({ status: "revoked" });
  });

  it("a CRL signed with SHA-1 still revokes, but a path that relies on it is weak-algorithm", () => {
    const ca = pki.intermediate(root, "SHA1 CRL CA");
    const victim = pki.leaf(ca, { cn: "Listed" });
    const fine = pki.leaf(ca, { cn: "Not Listed" });
    const { crl } = pki.revoke(victim, { md: "sha1" });
    const opts = { trust: [root.cert], intermediates: [ca.cert], at: new Date(), crls: [crl] };
    expect(validatePath(victim.cert, opts)).toMatchObject({ status: "revoked" });
    expect(validatePath(fine.cert, opts)).toMatchObject({
      status: "weak-algorithm",
      reason: "the CRL of CN=SHA1 CRL CA is signed with SHA-1",
    });
    expect(validatePath(fine.cert, { ...opts, crls: [pki.crl(ca).crl] }).ok).toBe(true);
  });

  it("a certificate whose signed and outer signature algorithms differ is refused", () => {
    // Same key, a valid SHA-384 signature, but tbsCertificate.signature still says SHA-256.
    const mixed = resign(leaf.cert, inter.key, { outer: { oid: "1.2.840.113549.1.1.12", hash: "sha384" } });
    expect(mixed.algorithmMismatch).toBe(true);
    const r = validatePath(mixed, { trust: [root.cert], intermediates: [inter.cert], at: now });
    expect(r).toMatchObject({ ok: false, status: "untrusted" });
    if (!r.ok) expect(r.reason).toContain("differs from the outer signatureAlgorithm");
    // The control: the same re-signing with matching algorithms is valid.
    const same = resign(leaf.cert, inter.key);
    expect(validatePath(same, { trust: [root.cert], intermediates: [inter.cert], at: now }).ok).toBe(true);
  });

  it("a critical flag encoded 0x01 (BER TRUE, not DER 0xFF) is still critical", () => {
    const odd = pki.leaf(inter, { cn: "Odd BER", extra: "1.3.6.1.4.1.99999.3 = critical,ASN1:NULL\n" });
    const oid = Buffer.from(derOid("1.3.6.1.4.1.99999.3"));
    const ber = resign(odd.cert, inter.key, {
      editTbs: (tbs) =>
        replaceBytes(
          tbs,
          Buffer.concat([oid, Buffer.from("0101ff", "hex")]),
          Buffer.concat([oid, Buffer.from("010101", "hex")]),
        ),
    });
    expect(ber.extensions.find((e) => e.oid === "1.3.6.1.4.1.99999.3")?.critical).toBe(true);
    expect(validatePath(ber, { trust: [root.cert], intermediates: [inter.cert], at: now })).toMatchObject({
      status: "untrusted",
      reason: "CN=Odd BER has unrecognised critical extension 1.3.6.1.4.1.99999.3",
    });
  });

  it("refuses a certificate whose signature was altered", () => {
    const der = Buffer.from(leaf.cert.der);
    der[der.length - 5] = (der[der.length - 5] as number) ^ 1;
    const forged = { ...leaf.cert, der, signatureValue: der.subarray(der.length - 256) };
    const r = validatePath(forged, { trust: [root.cert], intermediates: [inter.cert], at: now });
    expect(r).toMatchObject({ ok: false, status: "untrusted" });
    if (!r.ok) expect(r.reason).toContain("does not verify");
  });

  it("fails on an unrecognised critical extension", () => {
    const odd = pki.leaf(inter, { cn: "Odd", extra: "1.3.6.1.4.1.99999.1 = critical,ASN1:NULL\n" });
    expect(validate(odd)).toMatchObject({
      status: "untrusted",
      reason: "CN=Odd has unrecognised critical extension 1.3.6.1.4.1.99999.1",
    });
  });

  it("applies rfc822Name name constraints (permitted and excluded), to SAN and subject emailAddress", () => {
    const constrained = pki.intermediate(root, "Constrained CA", {
      extra: "nameConstraints = critical,permitted;email:example.test,excluded;email:.bad.example\n",
    });
    const opts = { trust: [root.cert], intermediates: [constrained.cert], at: now };
    const inside = pki.leaf(constrained, { cn: "Inside", emails: ["bob@example.test"] });
    expect(validatePath(inside.cert, opts).ok).toBe(true);
    const outside = pki.leaf(constrained, { cn: "Outside", emails: ["bob@other.test"] });
    expect(validatePath(outside.cert, opts)).toMatchObject({ status: "untrusted" });
    const legacy = pki.leaf(constrained, { cn: "Legacy", subjectEmail: "eve@other.test" });
    const r = validatePath(legacy.cert, opts);
    expect(r).toMatchObject({ status: "untrusted" });
    if (!r.ok) expect(r.reason).toContain("eve@other.test is outside the permitted subtrees");
    const excludedCa = pki.intermediate(root, "Excluding CA", {
      extra: "nameConstraints = critical,excluded;email:.bad.example\n",
    });
    const bad = pki.leaf(excludedCa, { cn: "Bad", emails: ["x@mail.bad.example"] });
    const r2 = validatePath(bad.cert, { ...opts, intermediates: [excludedCa.cert] });
    expect(r2).toMatchObject({ status: "untrusted" });
    if (!r2.ok) expect(r2.reason).toContain("is in an excluded subtree");
  });

  it("a trailing dot or upper case in an address's domain does not escape an excluded subtree", () => {
    const excluding = pki.intermediate(root, "Excluding Dots CA", {
      extra: "nameConstraints = critical,excluded;email:excluded.example,excluded;email:.sub.example\n",
    });
    const opts = { trust: [root.cert], intermediates: [excluding.cert], at: now };
    for (const address of ["a@excluded.example.", "a@EXCLUDED.example..", "a@mail.sub.example."]) {
      const escaped = pki.leaf(excluding, { cn: "Dotted", emails: [address] });
      const r = validatePath(escaped.cert, opts);
      expect(r, address).toMatchObject({ ok: false, status: "untrusted" });
      if (!r.ok) expect(r.reason).toContain(`${address} is in an excluded subtree`);
    }
    expect(
      validatePath(pki.leaf(excluding, { cn: "Fine", emails: ["a@other.example."] }).cert, opts).ok,
    ).toBe(true);
  });

  it("matches an anchor by SPKI + subject (a re-issued root with the same key)", () => {
    const reissued = pki.root("Chain Root", { end: later(7000) });
    expect(reissued.cert.sha256).not.toBe(root.cert.sha256);
    const r = validatePath(leaf.cert, { trust: [reissued.cert], intermediates: [inter.cert], at: now });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.chain[2]).toBe(reissued.cert);
  });

  it("backtracks past a dead-end cross-certificate and survives issuer loops", () => {
    const other = pki.root("Other Root");
    const crossDead = pki.intermediate(other, "Cross CA"); // same key as crossGood (key per name)
    const crossGood = pki.intermediate(root, "Cross CA");
    const user = pki.leaf(crossDead, { cn: "Cross User" });
    const r = validatePath(user.cert, {
      trust: [root.cert],
      intermediates: [crossDead.cert, other.cert, crossGood.cert],
      at: now,
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.chain[1]).toBe(crossGood.cert);

    // A issues B, B issues A': a loop with no anchor must terminate as untrusted.
    const a0 = pki.root("Loop A");
    const b1 = pki.intermediate(a0, "Loop B");
    const a2 = pki.intermediate(b1, "Loop A");
    const looped = pki.leaf(b1, { cn: "Looped" });
    const r2 = validatePath(looped.cert, { trust: [root.cert], intermediates: [a2.cert, b1.cert], at: now });
    expect(r2).toMatchObject({ ok: false, status: "untrusted" });
    expect(
      validatePath(looped.cert, { trust: [a0.cert], intermediates: [a2.cert, b1.cert], at: now }).ok,
    ).toBe(true);
  });

  it("caps the path length", () => {
    expect(validate(leaf, { maxDepth: 2 })).toMatchObject({
      ok: false,
      status: "untrusted",
      reason: "path longer than 2 certificates",
    });
  });
});

describe("revocation by CRL (soft-fail without one)", () => {
  it("parses an openssl CRL the way openssl reads it", () => {
    const victim = pki.leaf(inter, { cn: "Victim" });
    const { path, crl } = pki.revoke(victim);
    const text = execFileSync("openssl", ["crl", "-in", path, "-noout", "-text"]).toString();
    expect(crl.issuer).toBe("CN=Chain Inter");
    expect(text).toContain(`Serial Number: ${victim.cert.serialHex.toUpperCase()}`);
    expect(crl.revoked.get(victim.cert.serial)?.reason).toBe(1);
    expect(crl.nextUpdate && crl.nextUpdate.getTime() - crl.thisUpdate.getTime()).toBe(30 * DAY);
    expect(crlIsUsable(crl, inter.cert, new Date())).toBeNull();
    expect(crlIsUsable(crl, inter.cert, later(31))).toBe("CRL is stale");
    expect(crlIsUsable(crl, root.cert, new Date())).toBe("CRL issuer differs");
  });

  it("revoked when the issuer's current CRL lists the serial; ignored when stale, forged or absent", () => {
    const victim = pki.leaf(inter, { cn: "Revoked Alice", emails: ["alice@example.test"] });
    const { crl } = pki.revoke(victim);
    const r = validate(victim, { crls: [crl], at: new Date() });
    expect(r).toMatchObject({ ok: false, status: "revoked" });
    // Validated at a time before the revocation: the (newer) CRL does not make it revoked then.
    expect(validate(victim, { crls: [crl], at: new Date(Date.now() - 3_600_000) }).ok).toBe(true);
    if (!r.ok) expect(r.reason).toContain(`serial ${victim.cert.serialHex}`);
    expect(validate(victim).ok).toBe(true); // no CRL known: not checked
    expect(validate(victim, { crls: [crl], at: later(40) }).ok).toBe(true); // stale CRL
    expect(validate(leaf, { crls: [crl] }).ok).toBe(true); // other serials unaffected

    const forgedDer = Buffer.from(crl.der);
    forgedDer[forgedDer.length - 3] = (forgedDer[forgedDer.length - 3] as number) ^ 0x40;
    const forged = parseCrl(forgedDer);
    expect(crlIsUsable(forged, inter.cert, new Date())).toContain("does not verify");
    expect(validate(victim, { crls: [forged], at: new Date() }).ok).toBe(true);
  });

  it("a CRL signed by the CA's separate CRL-signing certificate (RFC 5280 §6.3.3) is used", () => {
    const ca = pki.intermediate(root, "Split CRL CA");
    const victim = pki.leaf(ca, { cn: "Split Victim" });
    const signerExt =
      "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n";
    // Same name as the CA, another key, issued under the same root; openssl signs the CA's CRL
    // (same database, so the revocation is listed) with that key.
    const crlSigner = pki.leaf(root, {
      cn: "Split CRL CA",
      key: pki.key("rsa", "split-crl-signer"),
      ext: signerExt,
    });
    pki.revoke(victim);
    const crl = crlSignedBy(ca, crlSigner);
    expect(crlIsUsable(crl, ca.cert, new Date())).toContain("does not verify"); // not the CA's key
    const opts = { trust: [root.cert], at: new Date(), crls: [crl] };
    expect(validatePath(victim.cert, { ...opts, intermediates: [ca.cert, crlSigner.cert] })).toMatchObject({
      status: "revoked",
    });
    // Without the signer's certificate, or with a look-alike that chains to another anchor, or
    // one without cRLSign, the CRL cannot be checked: soft-fail, as before.
    expect(validatePath(victim.cert, { ...opts, intermediates: [ca.cert] }).ok).toBe(true);
    const evil = pki.root("Split Evil Root");
    const impostor = pki.leaf(evil, {
      cn: "Split CRL CA",
      key: pki.key("rsa", "split-impostor"),
      ext: signerExt,
    });
    const forged = crlSignedBy(ca, impostor);
    expect(
      validatePath(victim.cert, {
        ...opts,
        crls: [forged],
        intermediates: [ca.cert, impostor.cert, evil.cert],
      }).ok,
    ).toBe(true);
    const noCrlSign = pki.leaf(root, {
      cn: "Split CRL CA",
      key: pki.key("rsa", "split-no-crlsign"),
      ext: "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n",
    });
    const unsigned = crlSignedBy(ca, noCrlSign);
    expect(
      validatePath(victim.cert, { ...opts, crls: [unsigned], intermediates: [ca.cert, noCrlSign.cert] }).ok,
    ).toBe(true);
  });

  it("revoked outranks expired", () => {
    const victim = pki.leaf(inter, { cn: "Revoked And Expiring", end: later(5) });
    const { crl } = pki.revoke(victim, { crlDays: 30 });
    expect(validate(victim, { crls: [crl], at: later(10) })).toMatchObject({ status: "revoked" });
  });
});

describe("checkSmimeUsage (RFC 8550 §4.4)", () => {
  it("accepts S/MIME certificates and names what is missing otherwise", () => {
    expect(checkSmimeUsage(leaf.cert, "sign")).toBeNull();
    expect(checkSmimeUsage(leaf.cert, "encrypt")).toBeNull();
    const server = pki.leaf(inter, {
      cn: "Server",
      ext: "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth\n",
    });
    expect(checkSmimeUsage(server.cert, "sign")).toBe("certificate lacks emailProtection");
    const encOnly = pki.leaf(inter, {
      cn: "Enc Only",
      ext: "keyUsage = keyEncipherment\nextendedKeyUsage = emailProtection\n",
    });
    expect(checkSmimeUsage(encOnly.cert, "sign")).toBe(
      "certificate keyUsage lacks digitalSignature and nonRepudiation",
    );
    expect(checkSmimeUsage(encOnly.cert, "encrypt")).toBeNull();
    const any = pki.leaf(inter, {
      cn: "Any EKU",
      ext: "keyUsage = nonRepudiation\nextendedKeyUsage = 2.5.29.37.0\n",
    });
    expect(checkSmimeUsage(any.cert, "sign")).toBeNull();
    expect(checkSmimeUsage(any.cert, "encrypt")).toBe("certificate keyUsage lacks keyEncipherment");
    const ec = pki.leaf(inter, {
      cn: "EC",
      key: pki.key("p256"),
      ext: "keyUsage = digitalSignature,keyEncipherment\n",
    });
    expect(checkSmimeUsage(ec.cert, "encrypt")).toBe("certificate keyUsage lacks keyAgreement");
  });
});

/** `openssl ca -gencrl` over `ca`'s database, signed with `signer`'s certificate and key. */
function crlSignedBy(ca: Ca, signer: Issued) {
  const config = `${ca.config}.${signer.name}.cnf`;
  writeFileSync(
    config,
    readFileSync(ca.config, "utf8")
      .replace(/^certificate = .*$/m, `certificate = ${signer.certPath}`)
      .replace(/^private_key = .*$/m, `private_key = ${signer.keyPath}`),
  );
  const out = `${ca.dir}/crl-by-${signer.name}.pem`;
  execFileSync("openssl", ["ca", "-config", config, "-batch", "-gencrl", "-crldays", "30", "-out", out], {
    stdio: "pipe",
  });
  return parseCrl(readFileSync(out, "utf8"));
}
