import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyCertificate } from "../cms/signed/verify-certificate.js";
import { readVectors, skipWithoutVectors } from "../test-support/external-vectors.js";
import { toPem } from "./pem.js";
import disagreements from "./test/x509-limbo-disagreements.json" with { type: "json" };

/**
 * C2SP x509-limbo: every case whose verdict does not hinge on a TLS peer name, through
 * verifyCertificate (what `sealbox cert verify` and, for signers, `smime open` use) with
 * purpose "any", and through `openssl verify -x509_strict -purpose any` on the same inputs.
 * Sealbox must agree with the suite at least as often as OpenSSL does, and every case where it
 * does not is listed with its reason in test/x509-limbo-disagreements.json: a new disagreement
 * (or a fixed one still listed) fails here.
 */
interface LimboCase {
  id: string;
  expected: "SUCCESS" | "FAILURE";
  validation_time: string | null;
  max_chain_depth: number | null;
  trusted: string[];
  untrusted: string[];
  leaf: string;
  crls: string[];
}

const absent = skipWithoutVectors("x509-limbo");
const suite = absent
  ? { upstream_commit: "", cases: [] as LimboCase[] }
  : readVectors<{ upstream_commit: string; cases: LimboCase[] }>("x509-limbo/limbo-cases.json");
const der = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
const dir = mkdtempSync(join(tmpdir(), "sealbox-limbo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sealboxAccepts(c: LimboCase): { valid: boolean; reason: string } {
  const verdict = verifyCertificate({
    leaf: der(c.leaf),
    untrusted: c.untrusted.map(der),
    trust: c.trusted.map(der),
    crls: c.crls.map(der),
    at: c.validation_time ? new Date(c.validation_time) : new Date(),
    purpose: "any",
    // limbo counts intermediates; the validator counts the whole path, leaf and anchor included.
    ...(c.max_chain_depth !== null ? { maxDepth: c.max_chain_depth + 2 } : {}),
  });
  return { valid: verdict.valid, reason: `${verdict.status}: ${verdict.reason}` };
}

function opensslAccepts(c: LimboCase, index: number): boolean {
  const file = (name: string, blocks: string[], label: string) => {
    const path = join(dir, `${index}-${name}.pem`);
    writeFileSync(path, blocks.map((b) => toPem(der(b), label)).join(""));
    return path;
  };
  const args = [
    "verify",
    "-x509_strict",
    "-purpose",
    "any",
    "-CAfile",
    file("trusted", c.trusted, "CERTIFICATE"),
  ];
  if (c.untrusted.length > 0) args.push("-untrusted", file("untrusted", c.untrusted, "CERTIFICATE"));
  if (c.crls.length > 0) args.push("-CRLfile", file("crls", c.crls, "X509 CRL"), "-crl_check_all");
  if (c.validation_time)
    args.push("-attime", String(Math.floor(new Date(c.validation_time).getTime() / 1000)));
  if (c.max_chain_depth !== null) args.push("-verify_depth", String(c.max_chain_depth));
  args.push(file("leaf", [c.leaf], "CERTIFICATE"));
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  return result.status === 0;
}

describe.skipIf(absent)("x509-limbo (C2SP)", () => {
  it(`agrees with the suite at least as often as openssl verify, disagreements listed (upstream ${suite.upstream_commit.slice(0, 12)})`, () => {
    const ours: Record<string, string> = {};
    let sealboxAgrees = 0;
    let opensslAgrees = 0;
    suite.cases.forEach((c, i) => {
      const expected = c.expected === "SUCCESS";
      const sealbox = sealboxAccepts(c);
      if (sealbox.valid === expected) sealboxAgrees++;
      else ours[c.id] = sealbox.reason;
      if (opensslAccepts(c, i) === expected) opensslAgrees++;
    });
    const total = suite.cases.length;
    console.log(
      `x509-limbo: sealbox agrees with ${sealboxAgrees} of ${total} cases, openssl verify -x509_strict -purpose any with ${opensslAgrees} of ${total}`,
    );
    for (const [id, reason] of Object.entries(ours)) console.log(`  disagrees: ${id} (${reason})`);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(disagreements).sort());
    expect(sealboxAgrees).toBeGreaterThanOrEqual(opensslAgrees);
  });
});
