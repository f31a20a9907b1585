import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";

/** Runs the real `openssl` (3.0) with extra environment (passwords travel as env:VAR, never argv). */
export function openssl(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string | Buffer },
): string {
  return execFileSync("openssl", args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    input: options.input ?? "",
    stdio: ["pipe", "pipe", "pipe"],
  }).toString();
}

/** Runs `openssl` for what it reports on stderr (e.g. `pkcs12 -info`); throws on a non-zero exit. */
export function opensslReport(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): string {
  const r = spawnSync("openssl", args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.toString()}`);
  return `${r.stdout.toString()}${r.stderr.toString()}`;
}

/** The PEM block of `label` in OpenSSL output (e.g. "CERTIFICATE", "PRIVATE KEY"). */
export function pemBlock(text: string, label: string): string {
  const begin = text.indexOf(`-----BEGIN ${label}-----`);
  const endMarker = `-----END ${label}-----`;
  const end = text.indexOf(endMarker, begin);
  if (begin < 0 || end < 0) throw new Error(`no ${label} in OpenSSL output`);
  return `${text.slice(begin, end + endMarker.length)}\n`;
}

/** A certificate's SHA-256 fingerprint as OpenSSL computes it (from a PEM file, or PEM text), lower-case hex. */
export function opensslSha256(dir: string, cert: { file: string } | { pem: string }): string {
  const out =
    "file" in cert
      ? openssl(["x509", "-in", cert.file, "-noout", "-fingerprint", "-sha256"], { cwd: dir })
      : openssl(["x509", "-noout", "-fingerprint", "-sha256"], { cwd: dir, input: cert.pem });
  const hex = out.trim().split("=")[1] ?? "";
  return hex.replaceAll(":", "").toLowerCase();
}

/**
 * A self-signed S/MIME user certificate and key for `email`, made and packed by OpenSSL:
 * `NAME.crt` (PEM) and `NAME.p12` (modern PBES2/AES, or `-legacy` 3DES/RC2 + SHA-1 MAC).
 */
export function opensslUserPfx(
  dir: string,
  name: string,
  email: string,
  filePasswordVar: string,
  env: Record<string, string>,
  options: { legacy?: boolean } = {},
): { pfx: string; cert: string } {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-days",
      "365",
      "-subj",
      `/CN=${name}/emailAddress=${email}`,
      "-addext",
      `subjectAltName=email:${email}`,
      "-addext",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "-addext",
      "extendedKeyUsage=emailProtection",
    ],
    { cwd: dir },
  );
  openssl(
    [
      "pkcs12",
      "-export",
      ...(options.legacy ? ["-legacy"] : []),
      "-inkey",
      `${name}.key`,
      "-in",
      `${name}.crt`,
      "-out",
      `${name}.p12`,
      "-passout",
      `env:${filePasswordVar}`,
    ],
    { cwd: dir, env },
  );
  return { pfx: join(dir, `${name}.p12`), cert: join(dir, `${name}.crt`) };
}

/** A corporate CA (basicConstraints CA:TRUE, keyCertSign + cRLSign) packed as a PFX by OpenSSL. */
export function opensslCaPfx(
  dir: string,
  name: string,
  filePasswordVar: string,
  env: Record<string, string>,
): { pfx: string; cert: string } {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-days",
      "365",
      "-subj",
      `/O=Corp/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    { cwd: dir },
  );
  openssl(
    [
      "pkcs12",
      "-export",
      "-inkey",
      `${name}.key`,
      "-in",
      `${name}.crt`,
      "-out",
      `${name}.p12`,
      "-passout",
      `env:${filePasswordVar}`,
    ],
    { cwd: dir, env },
  );
  return { pfx: join(dir, `${name}.p12`), cert: join(dir, `${name}.crt`) };
}
