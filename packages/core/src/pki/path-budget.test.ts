import { createPrivateKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OID } from "../algorithms.js";
import {
  algorithmIdentifier,
  bitString,
  integer,
  nullValue,
  sequence,
  unsignedInteger,
} from "../asn1/der-writer.js";
import { type Ca, type Issued, OpensslPki, run } from "../cms/signed/test-support/openssl-pki.js";
import { opensslSign, tempDir } from "../cms/signed/test-support/peers.js";
import { verifySignedData } from "../cms/signed/verify-signed-data.js";
import { MAX_RSA_MODULUS_BITS } from "./certificate.js";
import { validatePath } from "./chain.js";
import { DEFAULT_PATH_BUDGET, pathBudget } from "./path-budget.js";
import { resign } from "./test-support/resign.js";

/**
 * What one hostile message may cost path validation: one budget of signature checks for the
 * whole message, and no RSA key whose every use is slow. The mesh is real: 48 self-signed
 * "CN=Mesh" CAs, each with its own key (so loop detection on subject + key never stops the
 * search), 16 signers issued under them, one `openssl cms -sign` with all 16 and 64
 * certificates in all.
 */
let pki: OpensslPki;
let dir: string;
let anchor: Ca;
let mesh: Ca[];
let signers: Issued[];
const CONTENT = Buffer.from("Content-Type: text/plain\r\n\r\nPay the invoice.\r\n");

beforeAll(() => {
  pki = new OpensslPki();
  dir = tempDir("budget", pki.dir);
  anchor = pki.root("Budget Anchor");
  mesh = Array.from({ length: 48 }, (_, i) => pki.root("Mesh", { key: pki.key("p256", `mesh-${i}`) }));
  signers = Array.from({ length: 16 }, (_, i) =>
    pki.leaf(mesh[i % mesh.length] as Ca, {
      cn: `Signer ${i}`,
      emails: [`s${i}@example.test`],
      key: pki.key("p256", `signer-${i}`),
    }),
  );
}, 120_000);
afterAll(() => pki.cleanup());

describe("one path-building budget per message", () => {
  it("16 signers × 64 certificates finish within the budget, every signer untrusted", async () => {
    const bundle = join(dir, "mesh.pem");
    writeFileSync(bundle, mesh.map((m) => readFileSync(m.certPath, "utf8")).join(""));
    const der = opensslSign(
      dir,
      CONTENT,
      signers.map((issued) => ({ issued })),
      ["-certfile", bundle],
    );
    const budget = pathBudget();
    const started = performance.now();
    const result = await verifySignedData(der, {
      content: CONTENT,
      trust: [anchor.cert],
      pathBudget: budget,
      limits: { maxSigners: 16, maxCertificates: 64 },
    });
    const ms = performance.now() - started;
    expect(result.certificates).toHaveLength(64);
    expect(result.signers).toHaveLength(16);
    for (const s of result.signers) expect(s.status).toBe("untrusted");
    expect(budget.spent).toBeGreaterThan(16);
    expect(budget.spent).toBeLessThanOrEqual(DEFAULT_PATH_BUDGET);
    expect(result.signers.some((s) => s.reason.includes("budget of 256 signature checks is spent"))).toBe(
      true,
    );
    expect(ms).toBeLessThan(3000);
  });

  it("an edge met again (another signer, another path) is not checked again", () => {
    const budget = pathBudget();
    const inter = pki.intermediate(anchor, "Budget Inter");
    const a = pki.leaf(inter, { cn: "A" });
    const b = pki.leaf(inter, { cn: "B" });
    const opts = { trust: [anchor.cert], intermediates: [inter.cert], at: new Date(), budget };
    expect(validatePath(a.cert, opts).ok).toBe(true);
    expect(budget.spent).toBe(2); // A under Inter, Inter under the anchor
    expect(validatePath(b.cert, opts).ok).toBe(true);
    expect(budget.spent).toBe(3); // only B under Inter is new
    expect(validatePath(a.cert, opts).ok).toBe(true);
    expect(budget.spent).toBe(3);
    const spent = pathBudget(1);
    expect(validatePath(pki.leaf(inter, { cn: "C" }).cert, { ...opts, budget: spent })).toMatchObject({
      ok: false,
      status: "untrusted",
      reason: "path search gave up: the message's budget of 1 signature checks is spent",
    });
  });
});

describe("RSA keys whose every use is slow are refused", () => {
  it("a public exponent over 2^32 + 1 (openssl-made key, 2^33 + 1)", () => {
    const path = join(dir, "big-e.key");
    run("openssl", [
      ...["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
      ...["-pkeyopt", "rsa_keygen_pubexp:8589934593", "-out", path],
    ]);
    const inter = pki.intermediate(anchor, "Exponent Inter");
    // The helper parses what openssl issued: the refusal is the parse itself.
    const issue = () =>
      pki.leaf(inter, { cn: "Big Exponent", key: { path, key: createPrivateKey(readFileSync(path)) } });
    expect(issue).toThrow(
      expect.objectContaining({
        code: "unsupported-algorithm",
        message: expect.stringContaining("2^32 + 1"),
      }),
    );
  });

  it(`a modulus over ${MAX_RSA_MODULUS_BITS} bits`, () => {
    const inter = pki.intermediate(anchor, "Modulus Inter");
    const leaf = pki.leaf(inter, { cn: "Big Modulus" });
    const n = Buffer.alloc((MAX_RSA_MODULUS_BITS + 8) / 8, 0xab);
    n[0] = 0xc1;
    const spki = sequence(
      algorithmIdentifier(OID.rsaEncryption, nullValue()),
      bitString(sequence(unsignedInteger(n), integer(65537))),
    );
    expect(() =>
      resign(leaf.cert, inter.key, { editFields: (f) => f.map((field, i) => (i === 6 ? spki : field)) }),
    ).toThrow(
      expect.objectContaining({
        code: "unsupported-algorithm",
        message: expect.stringContaining("16392 bits"),
      }),
    );
  });
});
