import { execFileSync } from "node:child_process";
import { createPrivateKey, type KeyObject } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Certificate, parseCertificate } from "../../../pki/certificate.js";
import { type Crl, parseCrl } from "../../../pki/crl.js";
import type { Identity } from "../../../pki/identity.js";

/**
 * Test PKI made by the real `openssl` (req, ca -selfsign, ca, ca -revoke, ca -gencrl) in a temp
 * directory, so tests do not depend on our own CA code. Keys are generated once per name and
 * may be reused by several certificates to keep the 2-core CI fast.
 */
export type KeyKind = "rsa" | "rsa3072" | "p256" | "p384" | "ed25519";

export interface KeyPair {
  path: string;
  key: KeyObject;
}

export interface Issued {
  name: string;
  certPath: string;
  keyPath: string;
  cert: Certificate;
  key: KeyObject;
  /** The issuing CA (undefined for roots). */
  issuer: Ca | undefined;
}

export interface Ca extends Issued {
  dir: string;
  config: string;
}

export interface IssueOptions {
  cn: string;
  /** SAN rfc822Name entries. */
  emails?: string[];
  /** Legacy subject emailAddress. */
  subjectEmail?: string;
  key?: KeyPair;
  /** Raw extension lines replacing the defaults (leaf: S/MIME; CA: basicConstraints CA). */
  ext?: string;
  /** Extra lines appended to the defaults. */
  extra?: string;
  start?: Date;
  end?: Date;
  md?: string;
  /** Issue a CA certificate (intermediate). */
  ca?: boolean;
  pathlen?: number;
}

export const run = (cmd: string, args: string[], input?: string | Uint8Array): Buffer =>
  execFileSync(cmd, args, { stdio: ["pipe", "pipe", "pipe"], input, maxBuffer: 512 * 1024 * 1024 });

const day = 86_400_000;
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:T]/g, "")
    .replace(/\.\d+Z$/, "Z");

export class OpensslPki {
  readonly dir = mkdtempSync(join(tmpdir(), "sealbox-sig-pki-"));
  private readonly keys = new Map<string, KeyPair>();
  private counter = 0;

  key(kind: KeyKind = "rsa", name: string = kind): KeyPair {
    const cached = this.keys.get(name);
    if (cached) return cached;
    const path = join(this.dir, `${name}.key`);
    const algorithm: Record<KeyKind, string[]> = {
      rsa: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
      rsa3072: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
      p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
      p384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
      ed25519: ["-algorithm", "ED25519"],
    };
    run("openssl", ["genpkey", ...algorithm[kind], "-out", path]);
    const pair = { path, key: createPrivateKey(readFileSync(path)) };
    this.keys.set(name, pair);
    return pair;
  }

  root(cn: string, options: Omit<IssueOptions, "cn" | "ca"> = {}): Ca {
    return this.sign(undefined, { ...options, cn, ca: true }) as Ca;
  }

  intermediate(issuer: Ca, cn: string, options: Omit<IssueOptions, "cn" | "ca"> = {}): Ca {
    return this.sign(issuer, { ...options, cn, ca: true }) as Ca;
  }

  leaf(issuer: Ca, options: IssueOptions): Issued {
    return this.sign(issuer, options);
  }

  /** `openssl ca -revoke` then `-gencrl`; returns the new CRL. */
  revoke(issued: Issued, options: { crlDays?: number; md?: string } = {}): { path: string; crl: Crl } {
    const ca = issued.issuer as Ca;
    run("openssl", [
      "ca",
      "-config",
      ca.config,
      "-batch",
      "-revoke",
      issued.certPath,
      "-crl_reason",
      "keyCompromise",
    ]);
    return this.crl(ca, options);
  }

  crl(ca: Ca, options: { crlDays?: number; md?: string } = {}): { path: string; crl: Crl } {
    const path = join(ca.dir, `crl-${++this.counter}.pem`);
    run("openssl", [
      "ca",
      "-config",
      ca.config,
      "-batch",
      "-gencrl",
      "-crldays",
      String(options.crlDays ?? 30),
      "-md",
      options.md ?? "sha256",
      "-out",
      path,
    ]);
    return { path, crl: parseCrl(readFileSync(path, "utf8")) };
  }

  identity(issued: Issued, withRoot = false): Identity {
    const chain: Certificate[] = [];
    for (let ca = issued.issuer; ca; ca = ca.issuer) if (ca.issuer || withRoot) chain.push(ca.cert);
    return { privateKey: issued.key, certificate: issued.cert, chain };
  }

  /** A PKCS#12 with 3DES/SHA-1 (readable by gpgsm 2.2 and NSS alike). */
  pkcs12(issued: Issued, password: string): string {
    const path = join(this.dir, `${issued.name}.p12`);
    const chainFile = join(this.dir, `${issued.name}-chain.pem`);
    const chain: string[] = [];
    for (let ca = issued.issuer; ca; ca = ca.issuer) chain.push(readFileSync(ca.certPath, "utf8"));
    writeFileSync(chainFile, chain.join(""));
    run("openssl", [
      "pkcs12",
      "-export",
      "-in",
      issued.certPath,
      "-inkey",
      issued.keyPath,
      "-certfile",
      chainFile,
      "-name",
      issued.name,
      "-out",
      path,
      "-passout",
      `pass:${password}`,
      "-certpbe",
      "PBE-SHA1-3DES",
      "-keypbe",
      "PBE-SHA1-3DES",
      "-macalg",
      "sha1",
    ]);
    return path;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private sign(issuer: Ca | undefined, o: IssueOptions): Issued {
    const name = `${o.cn.replace(/[^A-Za-z0-9]+/g, "-")}-${++this.counter}`;
    // CAs get a key per common name (same name, same key: re-issued roots, cross-certificates).
    const key =
      o.key ?? (o.ca ? this.key("rsa", `ca-${o.cn.replace(/[^A-Za-z0-9]+/g, "-")}`) : this.key("rsa"));
    const csr = join(this.dir, `${name}.csr`);
    const subject = `/CN=${o.cn}${o.subjectEmail ? `/emailAddress=${o.subjectEmail}` : ""}`;
    run("openssl", ["req", "-new", "-key", key.path, "-subj", subject, "-out", csr]);
    const san = o.emails?.length ? `subjectAltName = ${o.emails.map((e) => `email:${e}`).join(",")}\n` : "";
    const ext =
      o.ext ??
      (o.ca
        ? `basicConstraints = critical,CA:TRUE${o.pathlen !== undefined ? `,pathlen:${o.pathlen}` : ""}\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n${issuer ? "authorityKeyIdentifier = keyid\n" : ""}`
        : `basicConstraints = CA:FALSE\nkeyUsage = digitalSignature,nonRepudiation,${key.key.asymmetricKeyType === "ec" ? "keyAgreement" : "keyEncipherment"}\nextendedKeyUsage = emailProtection\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n${san}`);
    const extFile = join(this.dir, `${name}.ext`);
    writeFileSync(extFile, `[e]\n${ext}${o.extra ?? ""}\n`);
    const certPath = join(this.dir, `${name}.pem`);
    const start = o.start ?? new Date(Date.now() - day);
    const end = o.end ?? new Date(Date.now() + (o.ca ? 3650 : 365) * day);
    const dates = ["-startdate", stamp(start), "-enddate", stamp(end)];
    const common = [
      "-batch",
      "-notext",
      "-preserveDN",
      "-md",
      o.md ?? "sha256",
      "-extfile",
      extFile,
      "-extensions",
      "e",
    ];
    let dir: string | undefined;
    let config: string | undefined;
    if (o.ca) {
      dir = join(this.dir, name);
      mkdirSync(join(dir, "newcerts"), { recursive: true });
      writeFileSync(join(dir, "index.txt"), "");
      writeFileSync(
        join(dir, "serial"),
        `${(0x100000 + Math.floor(Math.random() * 0xefffff)).toString(16)}01\n` /* even hex length */,
      );
      writeFileSync(join(dir, "crlnumber"), "01\n");
      config = join(dir, "ca.cnf");
      writeFileSync(
        config,
        `[ca]\ndefault_ca = d\n[d]\ndir = ${dir}\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\nserial = $dir/serial\ncrlnumber = $dir/crlnumber\ncertificate = ${certPath}\nprivate_key = ${key.path}\ndefault_md = sha256\ndefault_days = 365\ndefault_crl_days = 30\npolicy = p\nunique_subject = no\ncopy_extensions = none\n[p]\ncommonName = supplied\nemailAddress = optional\n`,
      );
    }
    if (issuer) {
      run("openssl", ["ca", "-config", issuer.config, ...common, ...dates, "-in", csr, "-out", certPath]);
    } else {
      run("openssl", [
        "ca",
        "-config",
        config as string,
        "-selfsign",
        "-keyfile",
        key.path,
        ...common,
        ...dates,
        "-in",
        csr,
        "-out",
        certPath,
      ]);
    }
    const issued: Issued = {
      name,
      certPath,
      keyPath: key.path,
      cert: parseCertificate(readFileSync(certPath, "utf8")),
      key: key.key,
      issuer,
    };
    return o.ca ? ({ ...issued, dir: dir as string, config: config as string } as Ca) : issued;
  }
}
