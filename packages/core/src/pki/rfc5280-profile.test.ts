import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ca, type Issued, OpensslPki } from "../cms/signed/test-support/openssl-pki.js";
import { validatePath } from "./chain.js";

/**
 * RFC 5280 profile rules and name-constraint forms path validation enforces (profile.ts,
 * name-constraints.ts), on openssl-made certificates. x509-limbo covers them too; these keep
 * them tested without the external suite.
 */
let pki: OpensslPki;
let root: Ca;
const leafKey = () => pki.key("p256", "leaf");
const SKI_AKI = "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n";
const LEAF = "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\n";

beforeAll(() => {
  pki = new OpensslPki();
  root = pki.root("Profile Root");
});
afterAll(() => pki.cleanup());

const validate = (cert: Issued, intermediates: Ca[] = [], trust: Ca[] = [root]) =>
  validatePath(cert.cert, {
    trust: trust.map((t) => t.cert),
    intermediates: intermediates.map((i) => i.cert),
    at: new Date(),
  });
const leaf = (issuer: Ca, ext: string) => pki.leaf(issuer, { cn: "Leaf", key: leafKey(), ext });

describe("RFC 5280 certificate profile in path validation", () => {
  it("accepts a conforming leaf", () => {
    expect(validate(leaf(root, `${LEAF}${SKI_AKI}`))).toMatchObject({ ok: true });
  });

  it.each([
    [
      "a critical authorityKeyIdentifier (§4.2.1.1)",
      `${LEAF}subjectKeyIdentifier = hash\nauthorityKeyIdentifier = critical,keyid\n`,
      /critical authorityKeyIdentifier/,
    ],
    [
      "keyCertSign without cA (§4.2.1.3)",
      `basicConstraints = CA:FALSE\nkeyUsage = digitalSignature,keyCertSign\n${SKI_AKI}`,
      /keyCertSign without basicConstraints cA/,
    ],
    [
      "a critical authorityInfoAccess (§4.2.2.1)",
      `${LEAF}${SKI_AKI}authorityInfoAccess = critical,caIssuers;URI:http://ca.example/ca.crt\n`,
      /critical authorityInfoAccess/,
    ],
    [
      "nameConstraints in an end entity (§4.2.1.10)",
      `${LEAF}${SKI_AKI}nameConstraints = critical,permitted;email:example.test\n`,
      /nameConstraints in an end-entity/,
    ],
    [
      "a malformed rfc822Name in subjectAltName (§4.2.1.6)",
      `${LEAF}${SKI_AKI}subjectAltName = email:a@b@example.test\n`,
      /malformed rfc822Name/,
    ],
  ])("refuses a leaf with %s", (_what, ext, reason) => {
    const r = validate(leaf(root, ext));
    expect(r).toMatchObject({ ok: false, status: "untrusted" });
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it("refuses a CA whose basicConstraints is not critical (§4.2.1.9)", () => {
    const ca = pki.intermediate(root, "Soft BC CA", {
      ext: `basicConstraints = CA:TRUE\nkeyUsage = critical,keyCertSign\n${SKI_AKI}`,
    });
    const r = validate(leaf(ca, `${LEAF}${SKI_AKI}`), [ca]);
    expect(r).toMatchObject({ ok: false, status: "untrusted" });
    if (!r.ok) expect(r.reason).toMatch(/non-critical basicConstraints/);
  });

  it("accepts certificates without AKI or SKI, and an AKI naming the issuer by issuer and serial", () => {
    const ca = pki.intermediate(root, "No SKI CA", {
      ext: "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign\nsubjectKeyIdentifier = none\nauthorityKeyIdentifier = none\n",
    });
    const byIssuerAndSerial = `${LEAF}subjectKeyIdentifier = hash\nauthorityKeyIdentifier = issuer:always\n`;
    expect(validate(leaf(ca, byIssuerAndSerial), [ca])).toMatchObject({ ok: true });
    const noAki = `${LEAF}subjectKeyIdentifier = none\nauthorityKeyIdentifier = none\n`;
    expect(validate(leaf(ca, noAki), [ca])).toMatchObject({ ok: true });
  });

  it("refuses an anchor with an unknown critical extension", () => {
    const odd = pki.root("Odd Root", {
      ext: "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign\nsubjectKeyIdentifier = hash\n1.3.6.1.4.1.55738.666.1 = critical,ASN1:NULL\n",
    });
    const r = validate(leaf(odd, `${LEAF}${SKI_AKI}`), [], [odd]);
    expect(r).toMatchObject({ ok: false, status: "untrusted" });
    if (!r.ok) expect(r.reason).toMatch(/unrecognised critical extension 1\.3\.6\.1\.4\.1\.55738\.666\.1/);
  });
});

describe("name constraints beyond rfc822Name", () => {
  const constrained = (cn: string, nc: string) =>
    pki.intermediate(root, cn, {
      ext: `basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign\n${SKI_AKI}nameConstraints = ${nc}\n`,
    });

  it("applies iPAddress subtrees to SAN iPAddress names", () => {
    const ca = constrained("IP CA", "critical,permitted;IP:192.0.2.0/255.255.255.0");
    expect(validate(leaf(ca, `${LEAF}${SKI_AKI}subjectAltName = IP:192.0.2.7\n`), [ca])).toMatchObject({
      ok: true,
    });
    const outside = validate(leaf(ca, `${LEAF}${SKI_AKI}subjectAltName = IP:198.51.100.7\n`), [ca]);
    expect(outside).toMatchObject({ ok: false, status: "untrusted" });
    if (!outside.ok) expect(outside.reason).toMatch(/198\.51\.100\.7 is outside the permitted subtrees/);
  });

  it("applies directoryName subtrees to SAN directoryName names", () => {
    const ca = constrained(
      "DN CA",
      "critical,permitted;dirName:permitted_dn\n[permitted_dn]\nCN = Leaf\n[e2]",
    );
    const inside = leaf(
      ca,
      `${LEAF}${SKI_AKI}subjectAltName = dirName:san_dn\n[san_dn]\nCN = Leaf\nOU = Mail\n[e3]`,
    );
    expect(validate(inside, [ca])).toMatchObject({ ok: true });
    const other = leaf(ca, `${LEAF}${SKI_AKI}subjectAltName = dirName:san_dn\n[san_dn]\nCN = Someone\n[e3]`);
    expect(validate(other, [ca])).toMatchObject({ ok: false, status: "untrusted" });
  });

  it("refuses non-critical name constraints (§4.2.1.10)", () => {
    const ca = constrained("Soft NC CA", "permitted;email:example.test");
    const r = validate(leaf(ca, `${LEAF}${SKI_AKI}subjectAltName = email:a@example.test\n`), [ca]);
    expect(r).toMatchObject({ ok: false, status: "untrusted" });
    if (!r.ok) expect(r.reason).toMatch(/non-critical nameConstraints/);
  });

  it("gives up on a name × constraint product over 2^20 instead of burning CPU", () => {
    const subtrees = Array.from({ length: 1100 }, (_, i) => `permitted;DNS:d${i}.example.test`).join(",");
    const ca = constrained("Huge NC CA", `critical,${subtrees}`);
    const names = Array.from({ length: 1000 }, (_, i) => `DNS:h${i}.d0.example.test`).join(",");
    const started = performance.now();
    const r = validate(leaf(ca, `${LEAF}${SKI_AKI}subjectAltName = ${names}\n`), [ca]);
    expect(r).toMatchObject({ ok: false, status: "untrusted" });
    if (!r.ok) expect(r.reason).toMatch(/too many names and name constraints/);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
