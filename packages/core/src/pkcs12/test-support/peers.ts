import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Drives the real peers (OpenSSL 3, NSS tools) in temp dirs for interop tests. Only test
 * files import this (core code never touches the file system or processes).
 */
export function tempDir(prefix = "sealbox-p12-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function run(cmd: string, args: string[], options: { input?: Uint8Array; cwd?: string } = {}): Buffer {
  try {
    return execFileSync(cmd, args, {
      input: options.input,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${e.stderr?.toString() || e.stdout?.toString() || e.message}`,
    );
  }
}

/** Runs a command that reports on stderr (openssl pkcs12 -info); returns stdout + stderr, throws on failure. */
export function runAll(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
  return `${r.stdout}\n${r.stderr}`;
}

export const openssl = (args: string[], input?: Uint8Array) => run("openssl", args, input ? { input } : {});

export interface TestPki {
  dir: string;
  root: string;
  intermediate: string;
  leaf: string;
  leafKey: string;
  /** Root and intermediate, PEM concatenated (for -certfile). */
  chain: string;
  ecLeaf: string;
  ecLeafKey: string;
  /** An unrelated self-signed certificate and key. */
  other: string;
  otherKey: string;
  pem(path: string): string;
}

const EXT = `[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = emailProtection
subjectAltName = email:alice@example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** Root → intermediate → RSA-2048 leaf (and an EC P-256 leaf), plus an unrelated certificate. */
export function makePki(): TestPki {
  const dir = tempDir("sealbox-pki-");
  const p = (name: string) => join(dir, name);
  writeFileSync(p("ext.cnf"), EXT);
  const selfSigned = (name: string, subject: string, keyArg: string[], ext?: string) =>
    openssl([
      "req",
      "-x509",
      "-new",
      ...keyArg,
      "-nodes",
      "-keyout",
      p(`${name}.key`),
      "-out",
      p(`${name}.pem`),
      "-subj",
      subject,
      "-days",
      "3650",
      "-sha256",
      ...(ext ? ["-config", p("ext.cnf"), "-extensions", ext] : []),
    ]);
  const issue = (name: string, subject: string, keyArg: string[], issuer: string, ext: string) => {
    openssl([
      "req",
      "-new",
      ...keyArg,
      "-nodes",
      "-keyout",
      p(`${name}.key`),
      "-out",
      p(`${name}.csr`),
      "-subj",
      subject,
    ]);
    openssl([
      "x509",
      "-req",
      "-in",
      p(`${name}.csr`),
      "-CA",
      p(`${issuer}.pem`),
      "-CAkey",
      p(`${issuer}.key`),
      "-CAcreateserial",
      "-out",
      p(`${name}.pem`),
      "-days",
      "365",
      "-sha256",
      "-extfile",
      p("ext.cnf"),
      "-extensions",
      ext,
    ]);
  };
  selfSigned("root", "/CN=Test Root", ["-newkey", "rsa:2048"], "ca");
  issue("inter", "/CN=Test Intermediate", ["-newkey", "rsa:2048"], "root", "ca");
  issue(
    "leaf",
    "/CN=Alice Example/emailAddress=alice@example.test",
    ["-newkey", "rsa:2048"],
    "inter",
    "leaf",
  );
  issue("ec", "/CN=Alice EC", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "inter", "leaf");
  selfSigned("other", "/CN=Someone Else", ["-newkey", "rsa:2048"]);
  writeFileSync(p("chain.pem"), readFileSync(p("inter.pem"), "utf8") + readFileSync(p("root.pem"), "utf8"));
  return {
    dir,
    root: p("root.pem"),
    intermediate: p("inter.pem"),
    leaf: p("leaf.pem"),
    leafKey: p("leaf.key"),
    chain: p("chain.pem"),
    ecLeaf: p("ec.pem"),
    ecLeafKey: p("ec.key"),
    other: p("other.pem"),
    otherKey: p("other.key"),
    pem: (path: string) => readFileSync(path, "utf8"),
  };
}

/** `openssl pkcs12 -export` into a fresh file; returns its bytes. */
export function opensslExport(
  pki: TestPki,
  password: string,
  extra: string[],
  key = pki.leafKey,
  cert = pki.leaf,
) {
  const out = join(tempDir(), "out.p12");
  openssl([
    "pkcs12",
    "-export",
    "-in",
    cert,
    "-inkey",
    key,
    "-out",
    out,
    "-passout",
    `pass:${password}`,
    ...extra,
  ]);
  return readFileSync(out);
}

/** A fresh NSS database (empty DB password) holding the test root (trusted) and intermediate. */
export function nssDb(pki?: TestPki): string {
  const dir = tempDir("sealbox-nss-");
  run("certutil", ["-N", "-d", `sql:${dir}`, "--empty-password"]);
  if (pki) {
    run("certutil", ["-A", "-d", `sql:${dir}`, "-n", "test-root", "-t", "C,C,C", "-i", pki.root]);
    run("certutil", [
      "-A",
      "-d",
      `sql:${dir}`,
      "-n",
      "test-intermediate",
      "-t",
      ",,",
      "-i",
      pki.intermediate,
    ]);
  }
  return dir;
}

/** Imports a PFX into an NSS database with `pk12util -i`. Throws when NSS refuses it. */
export function nssImport(db: string, pfx: Uint8Array, password: string): string {
  const file = join(tempDir(), "in.p12");
  writeFileSync(file, pfx);
  return run("pk12util", ["-i", file, "-d", `sql:${db}`, "-W", password]).toString();
}

/** Exports `nickname` with `pk12util -o` (extra: -c/-C/-M cipher and MAC choices). */
export function nssExport(db: string, nickname: string, password: string, extra: string[] = []): Buffer {
  const file = join(tempDir(), "out.p12");
  run("pk12util", ["-o", file, "-n", nickname, "-d", `sql:${db}`, "-W", password, ...extra]);
  return readFileSync(file);
}
