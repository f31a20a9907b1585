import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importIntoGpgsm } from "../../../test-support/gpgsm-import.js";
import type { Ca, Issued, OpensslPki } from "./openssl-pki.js";

/**
 * The three peers of SMIME-NOTES' table, driven from tests: `openssl cms`, `gpgsm` (fresh
 * GNUPGHOME each, loopback pinentry, no CRL checks) and NSS `cmsutil` (fresh sql: db each).
 */
export interface PeerResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], input?: string | Uint8Array, env?: NodeJS.ProcessEnv): PeerResult {
  const r = spawnSync(cmd, args, { input, env: env ?? process.env, maxBuffer: 512 * 1024 * 1024 });
  return {
    ok: r.status === 0,
    stdout: r.stdout?.toString("latin1") ?? "",
    stderr: r.stderr?.toString() ?? "",
  };
}

/** A fresh directory, under `parent` when given (so the owner's cleanup removes it). */
export function tempDir(prefix: string, parent: string = tmpdir()): string {
  return mkdtempSync(join(parent, `sealbox-sig-${prefix}-`));
}

/** `openssl cms -sign -binary -outform DER` with the given extra arguments; returns the DER. */
export function opensslSign(
  dir: string,
  content: Uint8Array,
  signers: { issued: Issued; md?: string; keyopt?: string[] }[],
  extra: string[] = [],
): Uint8Array {
  const input = join(dir, `in-${Math.random().toString(36).slice(2)}`);
  const output = `${input}.der`;
  writeFileSync(input, content);
  const signerArgs = signers.flatMap((s) => [
    "-signer",
    s.issued.certPath,
    "-inkey",
    s.issued.keyPath,
    ...(s.md ? ["-md", s.md] : []),
    ...(s.keyopt ?? []).flatMap((k) => ["-keyopt", k]),
  ]);
  execFileSync(
    "openssl",
    ["cms", "-sign", "-binary", "-in", input, "-outform", "DER", "-out", output, ...signerArgs, ...extra],
    {
      stdio: "pipe",
    },
  );
  return readFileSync(output);
}

/** `openssl cms -verify -purpose smimesign` against `ca` (detached when `content` is given). */
export function opensslVerify(
  dir: string,
  der: Uint8Array,
  ca: Ca,
  content?: Uint8Array,
  extra: string[] = [],
): PeerResult & { content: Buffer } {
  const id = Math.random().toString(36).slice(2);
  const sig = join(dir, `sig-${id}.der`);
  const out = join(dir, `out-${id}`);
  writeFileSync(sig, der);
  const contentArgs: string[] = [];
  if (content) {
    writeFileSync(join(dir, `content-${id}`), content);
    contentArgs.push("-content", join(dir, `content-${id}`));
  }
  const r = exec("openssl", [
    "cms",
    "-verify",
    "-binary",
    "-inform",
    "DER",
    "-in",
    sig,
    ...contentArgs,
    "-CAfile",
    ca.certPath,
    "-purpose",
    "smimesign",
    "-out",
    out,
    ...extra,
  ]);
  let produced = Buffer.alloc(0);
  try {
    produced = readFileSync(out);
  } catch {}
  return { ...r, content: produced };
}

/** A gpgsm home that trusts `root`, with the given identities imported. Call `close()` after. */
export class Gpgsm {
  readonly home: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly pki: OpensslPki,
    root: Ca,
  ) {
    this.home = tempDir("gnupg");
    this.env = { ...process.env, GNUPGHOME: this.home };
    writeFileSync(join(this.home, "gpgsm.conf"), "disable-crl-checks\ndisable-trusted-cert-crl-check\n");
    writeFileSync(join(this.home, "gpg-agent.conf"), "allow-loopback-pinentry\n");
    const fingerprint = execFileSync("openssl", [
      "x509",
      "-in",
      root.certPath,
      "-noout",
      "-fingerprint",
      "-sha1",
    ])
      .toString()
      .split("=")[1]
      ?.trim();
    writeFileSync(join(this.home, "trustlist.txt"), `${fingerprint} S relax\n`);
    this.gpgsm(["--import", root.certPath]);
  }

  gpgsm(args: string[], input?: string | Uint8Array): PeerResult {
    return exec(
      "gpgsm",
      ["--batch", "--disable-crl-checks", "--pinentry-mode", "loopback", ...args],
      input,
      this.env,
    );
  }

  importIdentity(issued: Issued): void {
    importIntoGpgsm(
      this.pki.pkcs12(issued, "pw"),
      (p12) => this.gpgsm(["--passphrase-fd", "0", "--import", p12], "pw\n"),
      () => this.pki.pkcs12(issued, "pw"),
    );
  }

  sign(content: Uint8Array, signer: Issued, options: { detached: boolean; digest?: string }): Uint8Array {
    const dir = tempDir("gpgsm-sign");
    try {
      writeFileSync(join(dir, "in"), content);
      const r = this.gpgsm(
        [
          "--passphrase-fd",
          "0",
          "--include-certs",
          "-1",
          ...(options.digest ? ["--digest-algo", options.digest] : []),
          "-u",
          `&${issued_keygrip(this, signer)}`,
          options.detached ? "--detach-sign" : "--sign",
          "--output",
          join(dir, "out"),
          join(dir, "in"),
        ],
        "pw\n",
      );
      if (!r.ok) throw new Error(`gpgsm sign failed: ${r.stderr}`);
      return readFileSync(join(dir, "out"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** `gpgsm --verify` with status output; `goodsig` only on GOODSIG + VALIDSIG. */
  verify(der: Uint8Array, content?: Uint8Array): PeerResult & { goodsig: boolean; trusted: boolean } {
    const dir = tempDir("gpgsm-verify");
    try {
      writeFileSync(join(dir, "sig"), der);
      const args = ["--status-fd", "1", "--verify", join(dir, "sig")];
      if (content) {
        writeFileSync(join(dir, "content"), content);
        args.push(join(dir, "content"));
      } else {
        args.splice(2, 0, "--output", join(dir, "out"));
      }
      const r = this.gpgsm(args);
      return {
        ...r,
        goodsig: /\[GNUPG:\] GOODSIG /.test(r.stdout) && /\[GNUPG:\] VALIDSIG /.test(r.stdout),
        trusted: /\[GNUPG:\] TRUST_FULLY/.test(r.stdout),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  close(): void {
    exec("gpgconf", ["--kill", "all"], undefined, this.env);
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** gpgsm selects a signing key by keygrip (`&GRIP`): robust when several certificates share a subject. */
function issued_keygrip(g: Gpgsm, issued: Issued): string {
  const fpr = execFileSync("openssl", ["x509", "-in", issued.certPath, "-noout", "-fingerprint", "-sha1"])
    .toString()
    .split("=")[1]
    ?.replace(/:/g, "")
    .trim();
  const listing = g.gpgsm(["--with-colons", "--with-keygrip", "--list-secret-keys", `0x${fpr}`]).stdout;
  const grip = /^grp:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (!grip) throw new Error(`no keygrip for ${issued.name}: ${listing}`);
  return grip;
}

/** An NSS database trusting `root` for S/MIME, with identities imported by PKCS#12. */
export class Nss {
  readonly dir: string;
  private readonly db: string;

  constructor(
    private readonly pki: OpensslPki,
    root: Ca,
  ) {
    this.dir = tempDir("nss", pki.dir);
    this.db = `sql:${this.dir}`;
    mkdirSync(this.dir, { recursive: true });
    this.must("certutil", ["-N", "-d", this.db, "--empty-password"]);
    this.must("certutil", ["-A", "-d", this.db, "-n", "root", "-t", "C,C,C", "-i", root.certPath]);
  }

  private must(cmd: string, args: string[]): PeerResult {
    const r = exec(cmd, args);
    if (!r.ok) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}${r.stdout}`);
    return r;
  }

  importIdentity(issued: Issued): string {
    const p12 = this.pki.pkcs12(issued, "pw");
    this.must("pk12util", ["-i", p12, "-d", this.db, "-W", "pw"]);
    return issued.name; // the PKCS#12 friendlyName becomes the nickname
  }

  sign(
    content: Uint8Array,
    nickname: string,
    options: { detached: boolean; hash?: string; attributes?: boolean },
  ): Uint8Array {
    const id = Math.random().toString(36).slice(2);
    const input = join(this.dir, `in-${id}`);
    writeFileSync(input, content);
    const attrs = options.attributes === false ? [] : ["-G", "-P"];
    this.must("cmsutil", [
      "-S",
      "-N",
      nickname,
      ...(options.detached ? ["-T"] : []),
      ...attrs,
      "-H",
      options.hash ?? "SHA256",
      "-d",
      this.db,
      "-i",
      input,
      "-o",
      `${input}.der`,
    ]);
    return readFileSync(`${input}.der`);
  }

  /** `cmsutil -D -h 2`: ok only if it decoded SignedData and every signer is GoodSignature. */
  verify(der: Uint8Array, content?: Uint8Array): PeerResult & { good: boolean } {
    const id = Math.random().toString(36).slice(2);
    const input = join(this.dir, `sig-${id}`);
    writeFileSync(input, der);
    const args = ["-D", "-d", this.db, "-i", input, "-n", "-h", "2"];
    if (content) {
      writeFileSync(`${input}.content`, content);
      args.push("-c", `${input}.content`);
    }
    const r = exec("cmsutil", args);
    const statuses = [...r.stdout.matchAll(/signer\d+\.status=(\w+)/g)].map((m) => m[1]);
    return {
      ...r,
      good:
        r.ok &&
        /type=signedData/.test(r.stdout) &&
        statuses.length > 0 &&
        statuses.every((s) => s === "GoodSignature"),
    };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
