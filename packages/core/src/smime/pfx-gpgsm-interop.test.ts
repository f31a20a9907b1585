import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPfx } from "../pkcs12/export-pfx.js";
import { importPfx } from "../pkcs12/import-pfx.js";
import { importIntoGpgsm } from "../test-support/gpgsm-import.js";
import { openMessage } from "./open.js";
import { protectMessage } from "./protect.js";
import { plainMessage } from "./test-support/messages.js";
import { detachedParts, pkcs7Der, wrapPkcs7 } from "./test-support/mime-craft.js";
import { Gpgsm } from "./test-support/peers.js";
import { type Party, run, SmimePki } from "./test-support/pki.js";

/**
 * The identity itself crossing between gpgsm 2.2 and Sealbox as PKCS#12 (pkcs12/ tests cover
 * openssl and NSS; this completes the README matrix for gpgsm), proved end to end: the key
 * moved in one direction signs or decrypts a message for the other side.
 */
let pki: SmimePki;
let alice: Party;
let work: string;
const raw = plainMessage("Hello Bob,\nthe key travelled.\n");

beforeAll(() => {
  pki = new SmimePki("pfx-gpgsm");
  alice = pki.party("Alice Example");
  work = mkdtempSync(join(tmpdir(), "sealbox-pfx-gpgsm-"));
}, 60_000);

afterAll(() => {
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("PKCS#12 between gpgsm and Sealbox", () => {
  it("gpgsm --export-secret-key-p12 → importPfx: the imported key opens what gpgsm encrypted and signs what gpgsm verifies", async () => {
    const g = new Gpgsm(pki, [alice]);
    try {
      const out = join(work, "gpgsm.p12");
      const env = { ...process.env, GNUPGHOME: g.home };
      const r = run(
        "gpgsm",
        [
          "--batch",
          "--pinentry-mode",
          "loopback",
          "--passphrase-fd",
          "0",
          "--output",
          out,
          "--export-secret-key-p12",
          alice.email,
        ],
        { input: "pw\n", env },
      );
      expect(r.ok, r.stderr).toBe(true);
      const { identity } = importPfx(readFileSync(out), "pw");
      expect(identity.certificate.sha256).toBe(alice.certificate.sha256);

      const der = g.encrypt(Buffer.from("Content-Type: text/plain\r\n\r\nfrom gpgsm\r\n"), [alice]);
      const message = wrapPkcs7({
        contentType: "Content-Type: application/pkcs7-mime; smime-type=enveloped-data",
        der,
      });
      const opened = await openMessage(message, { identities: [identity] });
      expect(Buffer.from(opened.content).toString()).toContain("from gpgsm");

      const signed = await protectMessage(raw, { sign: { identity } });
      const parts = detachedParts(signed);
      expect(g.verify(parts.signatureDer, parts.signed).good).toBe(true);
    } finally {
      g.close();
    }
  });

  it("exportPfx legacy (3DES, SHA-1 MAC) → gpgsm --import: gpgsm decrypts what we encrypted to that key", async () => {
    const p12 = join(work, "legacy.p12");
    const g = new Gpgsm(pki);
    try {
      // Each export has a fresh random salt: gpgsm 2.2 refuses about one in a hundred (see
      // importIntoGpgsm), which is gpgsm's, not the file's, so a fresh export is tried.
      const fresh = () => {
        writeFileSync(p12, exportPfx(alice.identity, "pw", { legacy: true, iterations: 2048 }));
        return p12;
      };
      importIntoGpgsm(
        fresh(),
        (file) =>
          run("gpgsm", ["--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0", "--import", file], {
            input: "pw\n",
            env: { ...process.env, GNUPGHOME: g.home },
          }),
        fresh,
      );
      const message = await protectMessage(raw, { encrypt: { recipients: [alice.certificate] } });
      const d = g.decrypt(pkcs7Der(message));
      expect(d.ok, d.stderr).toBe(true);
      expect(d.content.toString()).toContain("the key travelled.");
    } finally {
      g.close();
    }
  });

  it("exportPfx default (PBES2 AES-256): gpgsm 2.2 cannot read it (peer unsupported)", async () => {
    const p12 = join(work, "modern.p12");
    writeFileSync(p12, exportPfx(alice.identity, "pw", { iterations: 2048 }));
    const g = new Gpgsm(pki);
    try {
      const r = run(
        "gpgsm",
        ["--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0", "--import", p12],
        { input: "pw\n", env: { ...process.env, GNUPGHOME: g.home } },
      );
      expect(r.stderr).not.toMatch(/secret keys imported: 1/);
    } finally {
      g.close();
    }
  });
});
