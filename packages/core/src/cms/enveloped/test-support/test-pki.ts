import { execFileSync } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Certificate, parseCertificate } from "../../../pki/certificate.js";
import type { Identity } from "../../../pki/identity.js";

/**
 * A throwaway PKI made with the openssl CLI for the envelope tests: one RSA CA and
 * end-entity certificates with chosen key types and key usages, written as PEM (key in
 * PKCS#8), and as legacy PKCS#12 (3DES/RC2, password "pw") that gpgsm and NSS both import.
 */
export interface Party {
  name: string;
  email: string;
  keyPath: string;
  certPath: string;
  p12Path: string;
  certificate: Certificate;
  identity: Identity;
}

export type KeySpec = "rsa2048" | "P-256" | "P-384" | "P-521";

export interface PartyOptions {
  key: KeySpec;
  /** keyUsage list for the extension, default by key type. */
  keyUsage?: string;
  /** Re-use the key file of an existing party (renewed certificate). */
  reuseKeyOf?: Party;
  serial?: number;
}

const CA_EXT = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = Sealbox Envelope Test CA
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

export function run(
  cmd: string,
  args: string[],
  options: { input?: Uint8Array; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Buffer {
  try {
    return execFileSync(cmd, args, {
      input: options.input,
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${e.stderr?.toString() ?? ""}${e.stdout?.toString() ?? ""}`,
    );
  }
}

export class TestPki {
  readonly dir: string;
  readonly caCertPath: string;
  readonly caKeyPath: string;
  readonly caCertificate: Certificate;
  private nextSerial = 0x1000;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "sealbox-env-"));
    writeFileSync(join(this.dir, "ca.cnf"), CA_EXT);
    this.caKeyPath = join(this.dir, "ca.key");
    this.caCertPath = join(this.dir, "ca.pem");
    run("openssl", [
      ...[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        this.caKeyPath,
        "-out",
        this.caCertPath,
      ],
      ...["-days", "3650", "-config", join(this.dir, "ca.cnf"), "-extensions", "ca"],
    ]);
    this.caCertificate = parseCertificate(readFileSync(this.caCertPath, "utf8"));
  }

  party(name: string, options: PartyOptions): Party {
    const email = `${name.toLowerCase()}@example.test`;
    const base = join(this.dir, `${name}-${this.nextSerial}`);
    const keyPath = options.reuseKeyOf?.keyPath ?? `${base}.key`;
    if (!options.reuseKeyOf) {
      const keyArgs =
        options.key === "rsa2048"
          ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
          : ["-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${options.key}`];
      run("openssl", ["genpkey", ...keyArgs, "-out", keyPath]);
    }
    const usage =
      options.keyUsage ??
      (options.key === "rsa2048" ? "digitalSignature,keyEncipherment" : "digitalSignature,keyAgreement");
    writeFileSync(
      `${base}.ext`,
      `basicConstraints = critical,CA:FALSE
keyUsage = critical,${usage}
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:${email}
`,
    );
    run("openssl", [
      "req",
      "-new",
      "-key",
      keyPath,
      "-subj",
      `/CN=${name}/emailAddress=${email}`,
      "-out",
      `${base}.csr`,
    ]);
    const serial = options.serial ?? this.nextSerial++;
    const certPath = `${base}.pem`;
    run("openssl", [
      ...["x509", "-req", "-in", `${base}.csr`, "-CA", this.caCertPath, "-CAkey", this.caKeyPath],
      ...["-set_serial", String(serial), "-days", "365", "-extfile", `${base}.ext`, "-out", certPath],
    ]);
    const p12Path = this.exportPkcs12({ name, keyPath, certPath }, `${base}.p12`);
    const certificate = parseCertificate(readFileSync(certPath, "utf8"));
    const identity: Identity = {
      privateKey: createPrivateKey(readFileSync(keyPath)),
      certificate,
      chain: [this.caCertificate],
    };
    return { name, email, keyPath, certPath, p12Path, certificate, identity };
  }

  /** A legacy PKCS#12 (password "pw") of a party's key and certificate; each call a fresh salt. */
  exportPkcs12(party: Pick<Party, "name" | "keyPath" | "certPath">, path: string): string {
    run("openssl", [
      ...["pkcs12", "-export", "-legacy", "-inkey", party.keyPath, "-in", party.certPath],
      ...["-certfile", this.caCertPath, "-name", party.name, "-passout", "pass:pw", "-out", path],
    ]);
    return path;
  }

  file(name: string, data: Uint8Array | string): string {
    const path = join(this.dir, name);
    writeFileSync(path, data);
    return path;
  }
}
