import { readFile } from "node:fs/promises";
import {
  type Certificate,
  CoreError,
  cipherByName,
  digestByName,
  type Identity,
  importPfx,
  type Layer,
  openMessage,
  parseCertificate,
  pemBlocks,
  protectMessage,
  WRITABLE_CIPHERS,
} from "@sealbox/core";
import { flagValue, flagValues, hasFlag, type ParsedArgs, parseArgs } from "../args.js";
import { secretFromEnv } from "../env.js";
import { EXIT_FAILURE, UsageError } from "../errors.js";
import { writePrivateFile } from "../write-private-file.js";

const OPEN_USAGE = `usage: sealbox smime open FILE.eml [--pfx FILE.p12 --password-env VAR]... [--trust CA.pem]... [--cert KNOWN.pem]... [--from ADDRESS] [--at ISO-8601] [--out FILE] [--json]`;
const PROTECT_USAGE = `usage: sealbox smime protect FILE.eml [--sign --pfx FILE.p12 --password-env VAR [--digest SHA-256] [--opaque]] [--encrypt --to CERT.pem [--to CERT.pem]... [--cipher NAME] [--oaep]] --out FILE`;

/** `sealbox smime open|protect`: plain scripting commands (no Ink, no store). */
export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "open") return open(rest);
  if (sub === "protect") return protect(rest);
  throw new UsageError(`usage: sealbox smime open|protect …\n${OPEN_USAGE}\n${PROTECT_USAGE}`);
}

class CliFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function open(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv,
    {
      pfx: "string",
      "password-env": "string",
      trust: "string",
      cert: "string",
      from: "string",
      at: "string",
      out: "string",
      json: "boolean",
    },
    OPEN_USAGE,
  );
  const file = onePositional(args, OPEN_USAGE);
  const pairs = pfxPairs(args, OPEN_USAGE);
  const atText = flagValue(args, "at", OPEN_USAGE);
  const at = atText === undefined ? new Date() : new Date(atText);
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`--at must be an ISO-8601 date-time (got "${atText}")\n${OPEN_USAGE}`);
  const from = flagValue(args, "from", OPEN_USAGE);
  const out = flagValue(args, "out", OPEN_USAGE);
  const json = hasFlag(args, "json");

  try {
    const raw = await readInput(file);
    const identities = await loadIdentities(pairs);
    const trust = await loadCertificates(flagValues(args, "trust"));
    const known = await loadCertificates(flagValues(args, "cert"));
    const result = await openMessage(raw, { identities, trust, known, at, ...(from ? { from } : {}) });
    if (out) await writeAtomically(out, result.content);
    const report = { ok: true, layers: result.layers.map(layerJson) };
    process.stdout.write(json ? `${JSON.stringify(report)}\n` : describe(result.layers));
    return 0;
  } catch (error) {
    return failure(error, json);
  }
}

async function protect(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv,
    {
      sign: "boolean",
      pfx: "string",
      "password-env": "string",
      digest: "string",
      opaque: "boolean",
      encrypt: "boolean",
      to: "string",
      cipher: "string",
      oaep: "boolean",
      out: "string",
      json: "boolean",
    },
    PROTECT_USAGE,
  );
  const file = onePositional(args, PROTECT_USAGE);
  const out = flagValue(args, "out", PROTECT_USAGE);
  if (!out) throw new UsageError(`--out is required\n${PROTECT_USAGE}`);
  const sign = hasFlag(args, "sign");
  const encrypt = hasFlag(args, "encrypt");
  if (!sign && !encrypt) throw new UsageError(`give --sign and/or --encrypt\n${PROTECT_USAGE}`);
  const pairs = pfxPairs(args, PROTECT_USAGE);
  if (sign && pairs.length !== 1)
    throw new UsageError(`--sign needs exactly one --pfx FILE --password-env VAR\n${PROTECT_USAGE}`);
  const recipients = flagValues(args, "to");
  if (encrypt && recipients.length === 0)
    throw new UsageError(`--encrypt needs at least one --to CERT.pem\n${PROTECT_USAGE}`);
  const cipher = flagValue(args, "cipher", PROTECT_USAGE);
  const cipherInfo = cipher === undefined ? undefined : cipherByName(cipher);
  if (cipher !== undefined && !cipherInfo)
    throw new UsageError(`unknown cipher "${cipher}"\n${PROTECT_USAGE}`);
  if (cipherInfo && !WRITABLE_CIPHERS.includes(cipherInfo.name))
    throw new UsageError(
      `${cipherInfo.name} is read-only legacy; write one of ${WRITABLE_CIPHERS.join(", ")}\n${PROTECT_USAGE}`,
    );
  const digest = flagValue(args, "digest", PROTECT_USAGE);
  const digestInfo = digest === undefined ? undefined : digestByName(digest);
  if (digest !== undefined && !digestInfo)
    throw new UsageError(`unknown digest "${digest}"\n${PROTECT_USAGE}`);
  const json = hasFlag(args, "json");

  try {
    const raw = await readInput(file);
    const [identity] = sign ? await loadIdentities(pairs) : [];
    const certificates = encrypt ? await loadCertificates(recipients) : [];
    const protectedBytes = await protectMessage(raw, {
      ...(identity
        ? {
            sign: {
              identity,
              opaque: hasFlag(args, "opaque"),
              ...(digestInfo ? { digest: digestInfo.name } : {}),
            },
          }
        : {}),
      ...(encrypt
        ? {
            encrypt: {
              recipients: certificates,
              ...(cipherInfo ? { cipher: cipherInfo.name } : {}),
              oaep: hasFlag(args, "oaep"),
            },
          }
        : {}),
    });
    await writeAtomically(out, protectedBytes);
    if (json) process.stdout.write(`${JSON.stringify({ ok: true, out, size: protectedBytes.length })}\n`);
    return 0;
  } catch (error) {
    return failure(error, json);
  }
}

function onePositional(args: ParsedArgs, usage: string): string {
  if (args.positionals.length !== 1) throw new UsageError(`expected one message file\n${usage}`);
  return args.positionals[0] as string;
}

/** Each --pfx is paired with the --password-env that follows it. */
function pfxPairs(args: ParsedArgs, usage: string): Array<{ file: string; password: string }> {
  const pairs: Array<{ file: string; password: string }> = [];
  let pending: string | undefined;
  for (const { name, value } of args.order) {
    if (name === "pfx") {
      if (pending !== undefined)
        throw new UsageError(`--pfx ${pending} needs a --password-env after it\n${usage}`);
      pending = value as string;
    } else if (name === "password-env") {
      if (pending === undefined) throw new UsageError(`--password-env must follow a --pfx\n${usage}`);
      const password = secretFromEnv(value as string);
      if (password === undefined) throw new UsageError(`environment variable ${value} is not set\n${usage}`);
      pairs.push({ file: pending, password });
      pending = undefined;
    }
  }
  if (pending !== undefined)
    throw new UsageError(`--pfx ${pending} needs a --password-env after it\n${usage}`);
  return pairs;
}

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new CliFailure(
      "io",
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

async function loadIdentities(pairs: Array<{ file: string; password: string }>): Promise<Identity[]> {
  const identities: Identity[] = [];
  for (const { file, password } of pairs) {
    const bytes = await readInput(file);
    try {
      identities.push((await importPfx(bytes, password)).identity);
    } catch (error) {
      if (error instanceof CoreError) throw new CliFailure(error.code, `${file}: ${error.message}`);
      throw error;
    }
  }
  return identities;
}

async function loadCertificates(files: string[]): Promise<Certificate[]> {
  const certificates: Certificate[] = [];
  for (const file of files) {
    const bytes = await readInput(file);
    const text = Buffer.from(bytes).toString("latin1");
    try {
      const ders = text.includes("-----BEGIN") ? pemBlocks(text, "CERTIFICATE") : [bytes];
      if (ders.length === 0) throw new CoreError("malformed", "no CERTIFICATE block");
      for (const der of ders) certificates.push(parseCertificate(der));
    } catch (error) {
      if (error instanceof CoreError) throw new CliFailure(error.code, `${file}: ${error.message}`);
      throw error;
    }
  }
  return certificates;
}

/** --out is written only on success, and never half-written. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await writePrivateFile(path, bytes);
}

function layerJson(layer: Layer): Record<string, unknown> {
  if (layer.type === "encrypted") {
    return {
      type: "encrypted",
      cipher: layer.cipher,
      keyManagement: layer.keyManagement,
      recipients: layer.recipients,
      decrypted: layer.decrypted,
      kind: layer.kind,
    };
  }
  return {
    type: "signed",
    form: layer.form,
    digest: layer.digest,
    content: layer.content,
    signers: layer.signers.map((s) => ({
      name: s.name,
      email: s.email,
      status: s.status,
      ...(s.weakDigest ? { weakDigest: true } : {}),
      reason: s.reason,
      digest: s.digest,
      emails: s.emails,
      signingTime: s.signingTime,
      ...(s.certificate ? { certificateSha256: s.certificate.sha256 } : {}),
    })),
    digests: layer.digests,
  };
}

function describe(layers: Layer[]): string {
  if (layers.length === 0) return "not an S/MIME message\n";
  return layers
    .map((layer) => {
      if (layer.type === "encrypted")
        return `Encrypted ${layer.cipher} (${layer.keyManagement.join(", ")}; ${layer.recipients} recipients)\n`;
      const head = `Signed Data (${layer.content} ${layer.digest}), ${layer.form}\n`;
      return (
        head +
        layer.signers
          .map((s) => `  ${s.status}: ${s.name ?? "?"} <${s.email ?? "?"}> — ${s.reason}\n`)
          .join("")
      );
    })
    .join("");
}

function failure(error: unknown, json: boolean): number {
  let code: string;
  let message: string;
  if (error instanceof CliFailure) {
    code = error.code;
    message = error.message;
  } else if (error instanceof CoreError) {
    code = error.code;
    message = error.message;
  } else {
    throw error;
  }
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
  else process.stderr.write(`sealbox: ${code}: ${message}\n`);
  return EXIT_FAILURE;
}
