import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importIntoGpgsm } from "../../../test-support/gpgsm-import.js";
import { type Party, run, type TestPki } from "./test-pki.js";

/**
 * Drivers for the real peers on this machine (SMIME-NOTES peer table): openssl cms,
 * gpgsm (fresh GNUPGHOME, loopback pinentry, no CRLs) and NSS cmsutil (fresh sql: db).
 */
let counter = 0;
function temp(pki: TestPki, name: string, data: Uint8Array): string {
  return pki.file(`${name}-${counter++}`, data);
}

export const openssl = {
  /** openssl cms -encrypt -binary -outform DER <flags> to the recipients' certificates; flags may hold -keyopt (after -recip). */
  encrypt(
    pki: TestPki,
    content: Uint8Array,
    recipients: { party: Party; keyopts?: string[] }[],
    flags: string[],
  ): Buffer {
    const input = temp(pki, "plain", content);
    const out = join(pki.dir, `ossl-${counter++}.der`);
    const recips = recipients.flatMap((r) => [
      "-recip",
      r.party.certPath,
      ...(r.keyopts ?? []).flatMap((k) => ["-keyopt", k]),
    ]);
    run("openssl", [
      "cms",
      "-encrypt",
      "-binary",
      "-outform",
      "DER",
      "-in",
      input,
      "-out",
      out,
      ...flags,
      ...recips,
    ]);
    return readFileSync(out);
  },
  decrypt(pki: TestPki, der: Uint8Array, party: Party): Buffer {
    const input = temp(pki, "cms", der);
    const out = join(pki.dir, `ossl-plain-${counter++}`);
    run("openssl", [
      ...["cms", "-decrypt", "-binary", "-inform", "DER", "-in", input, "-out", out],
      ...["-recip", party.certPath, "-inkey", party.keyPath],
    ]);
    return readFileSync(out);
  },
};

export class Gpgsm {
  private readonly home: string;
  private readonly base: string[];

  constructor(
    private readonly pki: TestPki,
    parties: Party[],
  ) {
    this.home = mkdtempSync(join(tmpdir(), "sealbox-gpgsm-"));
    writeFileSync(join(this.home, "gpg-agent.conf"), "allow-loopback-pinentry\n");
    this.base = [
      "--batch",
      "--pinentry-mode",
      "loopback",
      "--passphrase-fd",
      "0",
      "--disable-crl-checks",
      "--disable-policy-checks",
    ];
    this.gpgsm(["--import", pki.caCertPath]);
    for (const party of parties) {
      importIntoGpgsm(
        party.p12Path,
        (p12) => {
          const r = spawnSync("gpgsm", [...this.base, "--import", p12], {
            input: "pw\n",
            env: { ...process.env, GNUPGHOME: this.home },
          });
          return { ok: r.status === 0, stderr: r.stderr?.toString() ?? "" };
        },
        (attempt) => pki.exportPkcs12(party, `${party.p12Path}.${attempt}`),
      );
    }
    // gpgsm only encrypts to and decrypts with certificates that chain to a trusted root.
    const fingerprint = createHash("sha1").update(pki.caCertificate.der).digest("hex").toUpperCase();
    writeFileSync(join(this.home, "trustlist.txt"), `${fingerprint} S\n`);
  }

  private gpgsm(args: string[], stdin = "pw\n"): Buffer {
    return run("gpgsm", [...this.base, ...args], {
      input: Buffer.from(stdin),
      env: { ...process.env, GNUPGHOME: this.home },
    });
  }

  decrypt(der: Uint8Array): Buffer {
    const input = temp(this.pki, "gpgsm-in", der);
    const out = join(this.pki.dir, `gpgsm-out-${counter++}`);
    this.gpgsm(["--output", out, "--decrypt", input]);
    return readFileSync(out);
  }

  encrypt(content: Uint8Array, recipients: Party[], cipherAlgo?: string): Buffer {
    const input = temp(this.pki, "gpgsm-plain", content);
    const out = join(this.pki.dir, `gpgsm-enc-${counter++}.der`);
    const algo = cipherAlgo ? ["--cipher-algo", cipherAlgo] : [];
    this.gpgsm(
      [...algo, ...recipients.flatMap((r) => ["-r", r.email]), "--output", out, "--encrypt", input],
      "",
    );
    return readFileSync(out);
  }

  close(): void {
    try {
      run("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, GNUPGHOME: this.home } });
    } catch {
      // the agent may not have started
    }
  }
}

export class Nss {
  private readonly db: string;

  constructor(
    private readonly pki: TestPki,
    parties: Party[],
  ) {
    this.db = `sql:${mkdtempSync(join(tmpdir(), "sealbox-nss-"))}`;
    run("certutil", ["-N", "-d", this.db, "--empty-password"]);
    run("certutil", ["-A", "-d", this.db, "-n", "ca", "-t", "CT,C,C", "-i", pki.caCertPath]);
    for (const p of parties) run("pk12util", ["-i", p.p12Path, "-d", this.db, "-W", "pw"]);
  }

  /** cmsutil -D; it "succeeds" on any content type, so callers compare the bytes. */
  decrypt(der: Uint8Array): Buffer {
    const input = temp(this.pki, "nss-in", der);
    const out = join(this.pki.dir, `nss-out-${counter++}`);
    run("cmsutil", ["-D", "-i", input, "-o", out, "-d", this.db]);
    return readFileSync(out);
  }

  encrypt(content: Uint8Array, recipients: Party[]): Buffer {
    const input = temp(this.pki, "nss-plain", content);
    const out = join(this.pki.dir, `nss-enc-${counter++}.der`);
    run("cmsutil", [
      "-E",
      "-i",
      input,
      "-o",
      out,
      "-d",
      this.db,
      "-r",
      recipients.map((r) => r.email).join(","),
    ]);
    return readFileSync(out);
  }
}
