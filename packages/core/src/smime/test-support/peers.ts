import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importIntoGpgsm } from "../../test-support/gpgsm-import.js";
import { must, type Party, run, type SmimePki } from "./pki.js";

/**
 * Drivers for the three peers of SMIME-NOTES' table. openssl works on S/MIME messages as
 * produced (its default SMIME format); gpgsm and NSS cmsutil take CMS, so callers hand them
 * the DER out of the message (see mime-craft.ts) and, for detached signatures, the exact bytes
 * of part 1. Each gpgsm / NSS instance has its own fresh home or database.
 */
export interface PeerOutput {
  ok: boolean;
  stderr: string;
  /** What the peer wrote to its output file (empty when it wrote nothing). */
  content: Buffer;
}

function readIfAny(path: string): Buffer {
  return existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
}

export const openssl = {
  /** `openssl cms -verify` on an S/MIME message (or DER with `-inform DER`), trusting the test root. */
  verify(pki: SmimePki, message: Uint8Array, extra: string[] = []): PeerOutput {
    const input = pki.file("verify-in.eml", message);
    const out = `${input}.out`;
    const r = run("openssl", [
      ...["cms", "-verify", "-in", input, "-CAfile", pki.caCertPath, "-purpose", "smimesign", "-out", out],
      ...extra,
    ]);
    return { ok: r.ok, stderr: r.stderr, content: readIfAny(out) };
  },

  /** `openssl cms -decrypt` of an S/MIME message with one party's key. */
  decrypt(pki: SmimePki, message: Uint8Array, party: Party, extra: string[] = []): PeerOutput {
    const input = pki.file("decrypt-in.eml", message);
    const out = `${input}.out`;
    const r = run("openssl", [
      ...["cms", "-decrypt", "-in", input, "-recip", party.certPath, "-inkey", party.keyPath],
      ...["-out", out, ...extra],
    ]);
    return { ok: r.ok, stderr: r.stderr, content: readIfAny(out) };
  },

  /** `openssl cms -sign` with S/MIME output (detached unless flags say -nodetach). */
  sign(pki: SmimePki, entity: Uint8Array, signer: Party, flags: string[] = []): Buffer {
    const input = pki.file("sign-in.eml", entity);
    const out = `${input}.p7s.eml`;
    must("openssl", [
      ...["cms", "-sign", "-in", input, "-signer", signer.certPath, "-inkey", signer.keyPath],
      ...["-out", out, ...flags],
    ]);
    return readFileSync(out);
  },

  /** `openssl cms -encrypt` with S/MIME output; `keyopts` go after their `-recip` as openssl wants. */
  encrypt(
    pki: SmimePki,
    entity: Uint8Array,
    recipients: Array<{ party: Party; keyopts?: string[] }>,
    flags: string[] = [],
  ): Buffer {
    const input = pki.file("encrypt-in.eml", entity);
    const out = `${input}.p7m.eml`;
    const recips = recipients.flatMap((r) => [
      "-recip",
      r.party.certPath,
      ...(r.keyopts ?? []).flatMap((k) => ["-keyopt", k]),
    ]);
    must("openssl", ["cms", "-encrypt", "-in", input, "-out", out, ...flags, ...recips]);
    return readFileSync(out);
  },
};

/** gpgsm 2.2 with a fresh GNUPGHOME trusting the test root, RSA identities imported (it cannot import EC PKCS#12). */
export class Gpgsm {
  readonly home: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(pki: SmimePki, parties: Party[] = [], certificatesOnly: Party[] = []) {
    this.home = mkdtempSync(join(tmpdir(), "sealbox-smime-gnupg-"));
    this.env = { ...process.env, GNUPGHOME: this.home };
    writeFileSync(join(this.home, "gpg-agent.conf"), "allow-loopback-pinentry\n");
    writeFileSync(join(this.home, "gpgsm.conf"), "disable-crl-checks\ndisable-trusted-cert-crl-check\n");
    const fingerprint = createHash("sha1").update(pki.caCertificate.der).digest("hex").toUpperCase();
    writeFileSync(join(this.home, "trustlist.txt"), `${fingerprint} S relax\n`);
    this.must(["--import", pki.caCertPath]);
    for (const party of parties) {
      if (party.kind !== "rsa") throw new Error("gpgsm 2.2 cannot import an EC PKCS#12 (it crashes)");
      this.importIdentity(pki, party);
    }
    for (const party of certificatesOnly) this.must(["--import", party.certPath]);
  }

  private importIdentity(pki: SmimePki, party: Party): void {
    importIntoGpgsm(
      party.p12Path,
      (file) => this.run(["--passphrase-fd", "0", "--import", file], "pw\n"),
      (attempt) => {
        const file = join(this.home, `${party.name.replace(/\W+/g, "-")}-${attempt}.p12`);
        must("openssl", [
          ...[
            "pkcs12",
            "-export",
            "-in",
            party.certPath,
            "-inkey",
            party.keyPath,
            "-certfile",
            pki.caCertPath,
          ],
          ...["-name", party.name, "-out", file, "-passout", "pass:pw"],
          ...["-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1"],
        ]);
        return file;
      },
    );
  }

  private run(args: string[], input?: string | Uint8Array) {
    return run(
      "gpgsm",
      ["--batch", "--pinentry-mode", "loopback", "--disable-crl-checks", "--disable-policy-checks", ...args],
      { input, env: this.env },
    );
  }

  private must(args: string[], input?: string | Uint8Array): void {
    const r = this.run(args, input);
    if (!r.ok) throw new Error(`gpgsm ${args.join(" ")} failed: ${r.stderr}`);
  }

  /** `gpgsm --verify`; good only with GOODSIG and VALIDSIG on the status fd. */
  verify(der: Uint8Array, content?: Uint8Array): { good: boolean; status: string; content: Buffer } {
    const dir = mkdtempSync(join(this.home, "v-"));
    writeFileSync(join(dir, "sig"), der);
    const args = ["--status-fd", "1", "--verify", join(dir, "sig")];
    if (content) {
      writeFileSync(join(dir, "content"), content);
      args.push(join(dir, "content"));
    } else {
      args.unshift("--output", join(dir, "out"));
    }
    const r = this.run(args);
    const status = r.stdout.toString();
    return {
      good: r.ok && /\[GNUPG:\] GOODSIG /.test(status) && /\[GNUPG:\] VALIDSIG /.test(status),
      status: `${status}${r.stderr}`,
      content: readIfAny(join(dir, "out")),
    };
  }

  decrypt(der: Uint8Array): PeerOutput {
    const dir = mkdtempSync(join(this.home, "d-"));
    writeFileSync(join(dir, "in"), der);
    const r = this.run(
      ["--passphrase-fd", "0", "--output", join(dir, "out"), "--decrypt", join(dir, "in")],
      "pw\n",
    );
    return { ok: r.ok, stderr: r.stderr, content: r.ok ? readIfAny(join(dir, "out")) : Buffer.alloc(0) };
  }

  /** `--sign` / `--detach-sign`; several signers give several SignerInfos (one `-u` each). */
  sign(
    content: Uint8Array,
    signer: Party | Party[],
    options: { detached: boolean; digest?: string },
  ): Buffer {
    const dir = mkdtempSync(join(this.home, "s-"));
    writeFileSync(join(dir, "in"), content);
    const signers = Array.isArray(signer) ? signer : [signer];
    this.must(
      [
        ...["--passphrase-fd", "0", "--include-certs", "-1", ...signers.flatMap((s) => ["-u", s.email])],
        ...(options.digest ? ["--digest-algo", options.digest] : []),
        ...[options.detached ? "--detach-sign" : "--sign", "--output", join(dir, "out"), join(dir, "in")],
      ],
      "pw\n".repeat(signers.length),
    );
    return readFileSync(join(dir, "out"));
  }

  encrypt(content: Uint8Array, recipients: Party[], cipherAlgo?: string): Buffer {
    const dir = mkdtempSync(join(this.home, "e-"));
    writeFileSync(join(dir, "in"), content);
    this.must([
      ...(cipherAlgo ? ["--cipher-algo", cipherAlgo] : []),
      ...recipients.flatMap((r) => ["-r", r.email]),
      ...["--output", join(dir, "out"), "--encrypt", join(dir, "in")],
    ]);
    return readFileSync(join(dir, "out"));
  }

  close(): void {
    run("gpgconf", ["--kill", "all"], { env: this.env });
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** NSS cmsutil with a fresh `sql:` database trusting the test root, identities imported by PKCS#12. */
export class Nss {
  readonly dir: string;
  private readonly db: string;
  private counter = 0;

  constructor(pki: SmimePki, parties: Party[] = [], certificatesOnly: Party[] = []) {
    this.dir = mkdtempSync(join(tmpdir(), "sealbox-smime-nss-"));
    this.db = `sql:${this.dir}`;
    must("certutil", ["-N", "-d", this.db, "--empty-password"]);
    must("certutil", ["-A", "-d", this.db, "-n", "root", "-t", "C,C,C", "-i", pki.caCertPath]);
    for (const p of parties) must("pk12util", ["-i", p.p12Path, "-d", this.db, "-W", "pw"]);
    for (const p of certificatesOnly)
      must("certutil", ["-A", "-d", this.db, "-n", p.email, "-t", ",,", "-i", p.certPath]);
  }

  private file(name: string, bytes: Uint8Array): string {
    const path = join(this.dir, `${++this.counter}-${name}`);
    writeFileSync(path, bytes);
    return path;
  }

  /** `cmsutil -D -h 2`; it "succeeds" on any content type, so good needs signedData and GoodSignature for all. */
  verify(der: Uint8Array, content?: Uint8Array): { good: boolean; output: string } {
    const input = this.file("sig.der", der);
    const args = ["-D", "-d", this.db, "-i", input, "-n", "-h", "2"];
    if (content) args.push("-c", this.file("content", content));
    const r = run("cmsutil", args);
    const stdout = r.stdout.toString("latin1");
    const statuses = [...stdout.matchAll(/signer\d+\.status=(\w+)/g)].map((m) => m[1]);
    return {
      good:
        r.ok &&
        /type=signedData/.test(stdout) &&
        statuses.length > 0 &&
        statuses.every((s) => s === "GoodSignature"),
      output: `${stdout}${r.stderr}`,
    };
  }

  /** `cmsutil -D`: the caller compares the bytes (it decodes whatever it is given). */
  decrypt(der: Uint8Array): PeerOutput {
    const input = this.file("enc.der", der);
    const r = run("cmsutil", ["-D", "-d", this.db, "-i", input, "-o", `${input}.out`]);
    return { ok: r.ok, stderr: r.stderr, content: r.ok ? readIfAny(`${input}.out`) : Buffer.alloc(0) };
  }

  sign(content: Uint8Array, signer: Party, options: { detached: boolean; hash?: string }): Buffer {
    const input = this.file("plain", content);
    must("cmsutil", [
      ...["-S", "-N", signer.name, ...(options.detached ? ["-T"] : []), "-G", "-P"],
      ...["-H", options.hash ?? "SHA256", "-d", this.db, "-i", input, "-o", `${input}.der`],
    ]);
    return readFileSync(`${input}.der`);
  }

  encrypt(content: Uint8Array, recipients: Party[]): Buffer {
    const input = this.file("plain", content);
    must("cmsutil", [
      ...["-E", "-d", this.db, "-i", input, "-o", `${input}.der`],
      ...["-r", recipients.map((r) => r.email).join(",")],
    ]);
    return readFileSync(`${input}.der`);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
