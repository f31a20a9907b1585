import { readFile } from "node:fs/promises";
import { type Certificate, exportPfx, type ImportedPfx, importPfx } from "@sealbox/core";
import { command, group, invoke, reportFailure } from "../command.js";
import { UsageError } from "../errors.js";
import { flag, value } from "../options.js";
import { secretFromEnv } from "../support/secret.js";
import { writePrivateFile } from "../support/write-private-file.js";

/**
 * `sealbox pfx inspect|convert`: PKCS#12 files without a store. The --json output is a public
 * contract: {"ok":true,…} with exit 0, or {"ok":false,"error":{code,message}}
 * with exit 1. Passwords come only from environment variables (set to "" = empty password;
 * unset = usage error, exit 2), never from argv, where `ps` would show them.
 */

/**
 * An unreadable input file is a usage error (exit 2) here, unlike the other commands (exit
 * 1): `pfx` scripts already rely on that code, and exit codes never change.
 */
async function readPfxFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
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

const inspect = command({
  name: "pfx inspect",
  args: "FILE",
  expect: "one FILE",
  options: { "password-env": value("VAR", { required: true }), json: flag() },
  failureContract: true,
  async run({ options, positionals: [file] }, io) {
    const password = secretFromEnv(io, options["password-env"], "password-env");
    const info = describePfx(importPfx(await readPfxFile(file), password));
    if (options.json) {
      io.stdout(`${JSON.stringify(info)}\n`);
      return 0;
    }
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
    return 0;
  },
});

const convert = command({
  name: "pfx convert",
  args: "IN",
  expect: "one input file",
  options: {
    "password-env": value("VAR", { required: true }),
    out: value("OUT", { required: true }),
    "new-password-env": value("VAR2", { required: true }),
    legacy: flag(),
    json: flag(),
  },
  notes: "re-protects a PKCS#12 file: AES-256 by default, 3DES/SHA-1 with --legacy",
  failureContract: true,
  async run({ options, positionals: [input] }, io) {
    const { out, legacy } = options;
    const oldPassword = secretFromEnv(io, options["password-env"], "password-env");
    const newPassword = secretFromEnv(io, options["new-password-env"], "new-password-env");
    const imported = importPfx(await readPfxFile(input), oldPassword);
    const written = exportPfx(imported.identity, newPassword, {
      legacy,
      ...(imported.friendlyName !== undefined ? { friendlyName: imported.friendlyName } : {}),
    });
    await writePrivateFile(out, written);
    const summary = {
      ok: true as const,
      out,
      from: { encryption: imported.encryption, mac: imported.mac },
      legacy,
      certificateSha256: imported.identity.certificate.sha256,
      chainLength: imported.identity.chain.length,
    };
    io.stdout(
      options.json
        ? `${JSON.stringify(summary)}\n`
        : `wrote ${out} (${legacy ? "legacy 3DES/SHA-1" : "AES-256-CBC/SHA-256"})\n`,
    );
    return 0;
  },
});

export const entry = group("pfx", { inspect, convert });

/** What `run` needs: the environment and two sinks (no terminal, no stdin). */
export interface PfxIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * `sealbox pfx …` in-process, as callers used it before the command boundary: the exit code
 * and the message of an expected failure (the JSON contract under --json), while a usage
 * mistake is thrown as UsageError for the caller to report.
 */
export async function run(argv: string[], io: PfxIo): Promise<number> {
  const cli = {
    env: io.env,
    stdin: (async function* () {})(),
    stdout: (chunk: string | Uint8Array) =>
      io.stdout(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString()),
    stderr: io.stderr,
    isTTY: { stdin: false, stderr: false },
    columns: () => 80,
    promptSecret: async () => {
      throw new UsageError("no terminal to ask for a secret on");
    },
    onInterrupt: () => () => {},
    now: () => new Date(),
  };
  const context = { usage: "", json: false, failureContract: false };
  try {
    return await invoke(entry, argv, cli, context);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return reportFailure(error, cli, context);
  }
}
