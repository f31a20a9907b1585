import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Certificate,
  createCa,
  type Identity,
  issueUserCertificate,
  parseCertificate,
} from "@sealbox/core";
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreContext } from "../context.js";
import { type CertificateSources, recipientCertificate } from "./recipient-certificates.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

/** An OpenSSL-made EC certificate for `email` whose keyUsage allows signing only (no keyAgreement). */
function signingOnlyCertificate(email: string): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-ku-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        join(dir, "k.pem"),
        "-outform",
        "DER",
        "-out",
        join(dir, "c.der"),
        "-days",
        "3650",
        "-subj",
        `/CN=${email}`,
        "-addext",
        `subjectAltName=email:${email}`,
        "-addext",
        "keyUsage=critical,digitalSignature",
      ],
      { stdio: "pipe" },
    );
    return parseCertificate(new Uint8Array(readFileSync(join(dir, "c.der"))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("recipientCertificate: the newest usable certificate per address", () => {
  let ca: Identity;
  let older: Certificate;
  let newer: Certificate;
  let forDirectory: Certificate;

  beforeAll(async () => {
    ca = await createCa({ name: "Recipients CA", keyAlgorithm: "EC-P256", now: new Date(T0 - 10 * DAY) });
    const issue = async (email: string, at: number, days: number) =>
      (
        await issueUserCertificate(ca, {
          email,
          keyAlgorithm: "EC-P256",
          now: new Date(at),
          validityDays: days,
        })
      ).certificate;
    older = await issue("dana@elsewhere.example", T0, 365);
    newer = await issue("dana@elsewhere.example", T0 + 30 * DAY, 30);
    forDirectory = await issue("ed@local.example", T0, 365);
  });

  function lookup(
    address: string,
    at: number,
    book: Certificate[],
    options: { directory?: Certificate; revoked?: Certificate[] } = {},
  ) {
    const sources: CertificateSources = {
      addressBook: async () => book.map((c) => ({ der: c.der })),
      directory: async () => (options.directory ? { certificate: options.directory.der } : undefined),
      isRevoked: async (sha256) => (options.revoked ?? []).some((c) => c.sha256 === sha256),
    };
    return recipientCertificate({ now: () => at } as StoreContext, sources, "account-id", address);
  }

  it("picks the newest of several valid ones, and falls back to the older when the newer has expired", async () => {
    expect(await lookup("Dana@Elsewhere.example", T0 + 40 * DAY, [older, newer])).toEqual({
      ok: true,
      certificate: newer,
    });
    expect(await lookup("dana@elsewhere.example", T0 + 100 * DAY, [newer, older])).toEqual({
      ok: true,
      certificate: older,
    });
    // Before the newer one is valid, the older one is the answer.
    expect(await lookup("dana@elsewhere.example", T0 + DAY, [newer, older])).toMatchObject({
      certificate: older,
    });
  });

  it("names why nothing is usable: none, expired, revoked, wrong usage, another address", async () => {
    expect(await lookup("nobody@elsewhere.example", T0, [])).toEqual({ ok: false, reason: "no certificate" });
    expect(await lookup("dana@elsewhere.example", T0 + 400 * DAY, [older])).toEqual({
      ok: false,
      reason: `certificate expired ${older.notAfter.toISOString().slice(0, 10)}`,
    });
    expect(await lookup("dana@elsewhere.example", T0 + DAY, [older], { revoked: [older] })).toEqual({
      ok: false,
      reason: "certificate revoked",
    });
    const signOnly = signingOnlyCertificate("fay@elsewhere.example");
    expect(await lookup("fay@elsewhere.example", Date.now(), [signOnly])).toEqual({
      ok: false,
      reason: "wrong usage: certificate keyUsage lacks keyAgreement",
    });
    expect(await lookup("gus@elsewhere.example", T0 + DAY, [older])).toEqual({
      ok: false,
      reason: "certificate is for another address",
    });
  });

  it("uses the directory when the address books have nothing usable", async () => {
    expect(await lookup("ed@local.example", T0 + DAY, [], { directory: forDirectory })).toEqual({
      ok: true,
      certificate: forDirectory,
    });
    // A revoked directory certificate is not used either.
    expect(
      await lookup("ed@local.example", T0 + DAY, [], { directory: forDirectory, revoked: [forDirectory] }),
    ).toEqual({ ok: false, reason: "certificate revoked" });
  });
});
