import { spawnSync } from "node:child_process";
import { createPrivateKey, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Certificate, parseCertificate } from "../../pki/certificate.js";
import type { Identity } from "../../pki/identity.js";

/**
 * A throwaway PKI made by the real `openssl` CLI in a temp directory, so the message-level
 * tests do not depend on our own CA code: one RSA root, and parties with RSA 2048, EC P-256 or
 * EC P-384 keys (S/MIME key usages, EKU emailProtection, SAN rfc822Name). Each party also gets
 * a PKCS#12 with 3DES/SHA-1 (password "pw"), the one format gpgsm 2.2, NSS and we all import.
 */
export type KeyKind = "rsa" | "p256" | "p384";

export interface Party {
  name: string;
  email: string;
  kind: KeyKind;
  keyPath: string;
  certPath: string;
  p12Path: string;
  certificate: Certificate;
  identity: Identity;
}

export interface PartyOptions {
  key?: KeyKind;
  /** SAN addresses; default `<name lowercased>@example.test`. */
  emails?: string[];
  /** keyUsage extension value, default by key type. */
  keyUsage?: string;
  /** Validity in days from now (openssl x509 -days), default 30. */
  days?: number;
}

export interface RunResult {
  ok: boolean;
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a peer tool; never throws (callers decide what a failure means). */
export function run(
  cmd: string,
  args: string[],
  options: { input?: Uint8Array | string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    input: options.input,
    env: options.env ?? process.env,
    cwd: options.cwd,
    maxBuffer: 256 * 1024 * 1024,
  });
  return {
    ok: r.status === 0,
    status: r.status,
    stdout: r.stdout ?? Buffer.alloc(0),
    stderr: `${r.stderr?.toString() ?? ""}${r.error ? String(r.error) : ""}`,
  };
}

/** Like run, but a failure throws with the tool's own words. */
export function must(cmd: string, args: string[], options: Parameters<typeof run>[2] = {}): Buffer {
  const r = run(cmd, args, options);
  if (!r.ok) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const CA_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = Sealbox S/MIME Test Root
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

export class SmimePki {
  readonly dir: string;
  readonly caCertPath: string;
  readonly caKeyPath: string;
  readonly caCertificate: Certificate;
  private counter = 0;

  constructor(prefix = "smime") {
    this.dir = mkdtempSync(join(tmpdir(), `sealbox-${prefix}-`));
    writeFileSync(join(this.dir, "ca.cnf"), CA_CONFIG);
    this.caKeyPath = join(this.dir, "ca.key");
    this.caCertPath = join(this.dir, "ca.pem");
    must("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", this.caKeyPath],
      ...["-out", this.caCertPath, "-days", "3650", "-config", join(this.dir, "ca.cnf"), "-extensions", "ca"],
    ]);
    this.caCertificate = parseCertificate(readFileSync(this.caCertPath, "utf8"));
  }

  /** A party with its own fresh key (generate once per test file: RSA keygen is the slow part). */
  party(name: string, options: PartyOptions = {}): Party {
    const kind = options.key ?? "rsa";
    const base = join(this.dir, `${name.replace(/[^A-Za-z0-9]+/g, "-")}-${++this.counter}`);
    const keyPath = `${base}.key`;
    const keyArgs: Record<KeyKind, string[]> = {
      rsa: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
      p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
      p384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    };
    must("openssl", ["genpkey", ...keyArgs[kind], "-out", keyPath]);
    const emails = options.emails ?? [`${name.split(" ")[0]?.toLowerCase()}@example.test`];
    const usage =
      options.keyUsage ??
      (kind === "rsa" ? "digitalSignature,keyEncipherment" : "digitalSignature,keyAgreement");
    const ext = [
      "[leaf]",
      "basicConstraints = CA:FALSE",
      `keyUsage = ${usage}`,
      "extendedKeyUsage = emailProtection",
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
      ...(emails.length > 0 ? [`subjectAltName = ${emails.map((e) => `email:${e}`).join(",")}`] : []),
      "",
    ].join("\n");
    writeFileSync(`${base}.ext`, ext);
    must("openssl", ["req", "-new", "-key", keyPath, "-subj", `/CN=${name}`, "-out", `${base}.csr`]);
    const certPath = `${base}.pem`;
    must("openssl", [
      ...["x509", "-req", "-in", `${base}.csr`, "-CA", this.caCertPath, "-CAkey", this.caKeyPath],
      ...["-set_serial", `0x${randomBytes(8).toString("hex")}`, "-days", String(options.days ?? 30)],
      ...["-extfile", `${base}.ext`, "-extensions", "leaf", "-out", certPath],
    ]);
    const p12Path = `${base}.p12`;
    must("openssl", [
      ...["pkcs12", "-export", "-in", certPath, "-inkey", keyPath, "-certfile", this.caCertPath],
      ...["-name", name, "-out", p12Path, "-passout", "pass:pw"],
      ...["-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1"],
    ]);
    const certificate = parseCertificate(readFileSync(certPath, "utf8"));
    const identity: Identity = {
      privateKey: createPrivateKey(readFileSync(keyPath)),
      certificate,
      chain: [this.caCertificate],
    };
    return { name, email: emails[0] ?? "", kind, keyPath, certPath, p12Path, certificate, identity };
  }

  /** Writes bytes to a fresh file in the PKI directory and returns its path. */
  file(name: string, bytes: Uint8Array | string): string {
    const path = join(this.dir, `${++this.counter}-${name}`);
    writeFileSync(path, bytes);
    return path;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
