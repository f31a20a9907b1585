import { readFileSync } from "node:fs";
import { type Certificate, exportPfx, type ImportedPfx, importPfx, isCoreError } from "@sealbox/core";
import { hasFlag, parseArgs, requireFlag } from "../args.js";
import { secretFromEnv } from "../env.js";
import { UsageError } from "../errors.js";
import { writePrivateFile } from "../write-private-file.js";

const USAGE = `usage:
  sealbox pfx inspect FILE --password-env VAR [--json]
  sealbox pfx convert IN --password-env VAR --out OUT --new-password-env VAR2 [--legacy] [--json]`;

/** Where the command writes; tests pass their own. */
export interface PfxIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: PfxIo = {
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/**
 * `sealbox pfx inspect|convert`: PKCS#12 files without a store. The --json output is a public
 * contract: {"ok":true,…} with exit 0, or {"ok":false,"error":{code,message}}
 * with exit 1. Passwords come only from environment variables (set to "" = empty password;
 * unset = usage error, exit 2), never from argv, where `ps` would show them.
 */
export async function run(args: string[], io: PfxIo = processIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "inspect") return inspect(rest, io);
  if (sub === "convert") return convert(rest, io);
  throw new UsageError(USAGE);
}

function password(io: PfxIo, variable: string): string {
  const value = secretFromEnv(variable, io.env);
  if (value === undefined)
    throw new UsageError(`environment variable ${variable} is not set (set it to "" for an empty password)`);
  return value;
}

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}\n${USAGE}`);
  return positionals[0] as string;
}

/** Import errors (CoreError) are results for the user: JSON on stdout or a line on stderr, exit 1. */
function failure(error: unknown, json: boolean, io: PfxIo): number {
  if (!isCoreError(error)) throw error;
  if (json)
    io.stdout(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message } })}\n`);
  else io.stderr(`sealbox: ${error.message} (${error.code})\n`);
  return 1;
}

export function describePfx(result: ImportedPfx) {
  const cert: Certificate = result.identity.certificate;
  return {
    ok: true as const,
    email: cert.emails[0] ?? "",
    emails: cert.emails,
    name: cert.commonName ?? "",
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialHex,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    keyAlgorithm: cert.keyAlgorithm,
    keySize: cert.keySize,
    certificateSha256: cert.sha256,
    chainLength: result.identity.chain.length,
    encryption: result.encryption,
    mac: result.mac,
  };
}

async function inspect(args: string[], io: PfxIo): Promise<number> {
  const parsed = parseArgs(args, { "password-env": "string", json: "boolean" }, USAGE);
  const file = onePositional(parsed.positionals, "FILE");
  const pw = password(io, requireFlag(parsed, "password-env", USAGE));
  const json = hasFlag(parsed, "json");
  const bytes = readInput(file);
  let info: ReturnType<typeof describePfx>;
  try {
    info = describePfx(importPfx(bytes, pw));
  } catch (error) {
    return failure(error, json, io);
  }
  if (json) {
    io.stdout(`${JSON.stringify(info)}\n`);
  } else {
    const lines = [
      `subject:      ${info.subject}`,
      `issuer:       ${info.issuer}`,
      `email:        ${info.emails.join(", ") || "(none)"}`,
      `serial:       ${info.serial}`,
      `valid:        ${info.notBefore} to ${info.notAfter}`,
      `key:          ${info.keyAlgorithm} ${info.keySize}`,
      `sha-256:      ${info.certificateSha256}`,
      `chain:        ${info.chainLength} certificate(s)`,
      `encryption:   ${info.encryption}`,
      `mac:          ${info.mac}`,
    ];
    io.stdout(`${lines.join("\n")}\n`);
  }
  return 0;
}

async function convert(args: string[], io: PfxIo): Promise<number> {
  const spec = {
    "password-env": "string",
    "new-password-env": "string",
    out: "string",
    legacy: "boolean",
    json: "boolean",
  } as const;
  const parsed = parseArgs(args, spec, USAGE);
  const input = onePositional(parsed.positionals, "input file");
  const out = requireFlag(parsed, "out", USAGE);
  const oldPassword = password(io, requireFlag(parsed, "password-env", USAGE));
  const newPassword = password(io, requireFlag(parsed, "new-password-env", USAGE));
  const legacy = hasFlag(parsed, "legacy");
  const json = hasFlag(parsed, "json");
  const bytes = readInput(input);
  let written: Uint8Array;
  let imported: ImportedPfx;
  try {
    imported = importPfx(bytes, oldPassword);
    written = exportPfx(imported.identity, newPassword, {
      legacy,
      ...(imported.friendlyName !== undefined ? { friendlyName: imported.friendlyName } : {}),
    });
  } catch (error) {
    return failure(error, json, io);
  }
  try {
    await writePrivateFile(out, written);
  } catch (error) {
    throw new UsageError(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const summary = {
    ok: true as const,
    out,
    from: { encryption: imported.encryption, mac: imported.mac },
    legacy,
    certificateSha256: imported.identity.certificate.sha256,
    chainLength: imported.identity.chain.length,
  };
  io.stdout(
    json
      ? `${JSON.stringify(summary)}\n`
      : `wrote ${out} (${legacy ? "legacy 3DES/SHA-1" : "AES-256-CBC/SHA-256"})\n`,
  );
  return 0;
}
