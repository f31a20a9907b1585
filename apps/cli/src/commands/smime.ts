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
import { command, group } from "../command.js";
import { AbortError, UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { flag, type Occurrence, value } from "../options.js";
import { readInputFile } from "../support/files.js";
import { secretFromEnv } from "../support/secret.js";
import { writePrivateFile } from "../support/write-private-file.js";

/**
 * `sealbox smime open|protect`: plain scripting commands (no Ink, no store). Their --json
 * output is a public contract: {"ok":true,…}, or {"ok":false,"error":{code,message}} with
 * exit 1 when the message cannot be opened or protected (the boundary writes it).
 */
const open = command({
  name: "smime open",
  args: "FILE.eml",
  expect: "one message file",
  options: {
    pfx: value("FILE.p12", { repeat: true }),
    "password-env": value("VAR", { repeat: true }),
    trust: value("CA.pem", { repeat: true }),
    cert: value("KNOWN.pem", { repeat: true }),
    from: value("ADDRESS"),
    at: value("ISO-8601"),
    out: value("FILE"),
    json: flag(),
  },
  notes: "each --pfx FILE.p12 is followed by the --password-env VAR that opens it",
  failureContract: true,
  async run({ options, positionals: [file], order }, io) {
    const pairs = pfxPairs(order, io);
    const at = options.at === undefined ? io.now() : new Date(options.at);
    if (Number.isNaN(at.getTime()))
      throw new UsageError(`--at must be an ISO-8601 date-time (got "${options.at}")`);
    const { from, out } = options;
    const raw = await readInputFile(file);
    const identities = await loadIdentities(pairs);
    const trust = await loadCertificates(options.trust);
    const known = await loadCertificates(options.cert);
    const result = await openMessage(raw, { identities, trust, known, at, ...(from ? { from } : {}) });
    if (out) await writePrivateFile(out, result.content);
    const report = { ok: true, layers: result.layers.map(layerJson) };
    io.stdout(options.json ? `${JSON.stringify(report)}\n` : describe(result.layers));
    return 0;
  },
});

const protect = command({
  name: "smime protect",
  args: "FILE.eml",
  expect: "one message file",
  options: {
    out: value("FILE", { required: true }),
    sign: flag(),
    pfx: value("FILE.p12", { repeat: true }),
    "password-env": value("VAR", { repeat: true }),
    digest: value("NAME"),
    opaque: flag(),
    encrypt: flag(),
    to: value("CERT.pem", { repeat: true }),
    cipher: value("NAME"),
    oaep: flag(),
    json: flag(),
  },
  notes: "--sign needs one --pfx FILE.p12 --password-env VAR; --encrypt needs at least one --to CERT.pem",
  failureContract: true,
  async run({ options, positionals: [file], order }, io) {
    const { sign, encrypt, out } = options;
    if (!sign && !encrypt) throw new UsageError("give --sign and/or --encrypt");
    const pairs = pfxPairs(order, io);
    if (sign && pairs.length !== 1)
      throw new UsageError("--sign needs exactly one --pfx FILE --password-env VAR");
    if (encrypt && options.to.length === 0)
      throw new UsageError("--encrypt needs at least one --to CERT.pem");
    const cipherInfo = options.cipher === undefined ? undefined : cipherByName(options.cipher);
    if (options.cipher !== undefined && !cipherInfo)
      throw new UsageError(`unknown cipher "${options.cipher}"`);
    if (cipherInfo && !WRITABLE_CIPHERS.includes(cipherInfo.name))
      throw new UsageError(
        `${cipherInfo.name} is read-only legacy; write one of ${WRITABLE_CIPHERS.join(", ")}`,
      );
    const digestInfo = options.digest === undefined ? undefined : digestByName(options.digest);
    if (options.digest !== undefined && !digestInfo)
      throw new UsageError(`unknown digest "${options.digest}"`);

    const raw = await readInputFile(file);
    const [identity] = sign ? await loadIdentities(pairs) : [];
    const certificates = encrypt ? await loadCertificates(options.to) : [];
    const protectedBytes = await protectMessage(raw, {
      ...(identity
        ? { sign: { identity, opaque: options.opaque, ...(digestInfo ? { digest: digestInfo.name } : {}) } }
        : {}),
      ...(encrypt
        ? {
            encrypt: {
              recipients: certificates,
              ...(cipherInfo ? { cipher: cipherInfo.name } : {}),
              oaep: options.oaep,
            },
          }
        : {}),
    });
    await writePrivateFile(out, protectedBytes);
    if (options.json) io.stdout(`${JSON.stringify({ ok: true, out, size: protectedBytes.length })}\n`);
    return 0;
  },
});

export const entry = group("smime", { open, protect });

/** Each --pfx is paired with the --password-env that follows it. */
function pfxPairs(order: Occurrence[], io: CliIo): Array<{ file: string; password: string }> {
  const pairs: Array<{ file: string; password: string }> = [];
  let pending: string | undefined;
  for (const { name, value } of order) {
    if (name === "pfx") {
      if (pending !== undefined) throw new UsageError(`--pfx ${pending} needs a --password-env after it`);
      pending = value as string;
    } else if (name === "password-env") {
      if (pending === undefined) throw new UsageError("--password-env must follow a --pfx");
      pairs.push({ file: pending, password: secretFromEnv(io, value as string, "password-env") });
      pending = undefined;
    }
  }
  if (pending !== undefined) throw new UsageError(`--pfx ${pending} needs a --password-env after it`);
  return pairs;
}

/** A file's CoreError names the file, so the user knows which of several was refused. */
function inFile(file: string, error: unknown): never {
  if (error instanceof CoreError) throw new AbortError(`${file}: ${error.message}`, error.code);
  throw error;
}

async function loadIdentities(pairs: Array<{ file: string; password: string }>): Promise<Identity[]> {
  const identities: Identity[] = [];
  for (const { file, password } of pairs) {
    const bytes = await readInputFile(file);
    try {
      identities.push((await importPfx(bytes, password)).identity);
    } catch (error) {
      inFile(file, error);
    }
  }
  return identities;
}

async function loadCertificates(files: string[]): Promise<Certificate[]> {
  const certificates: Certificate[] = [];
  for (const file of files) {
    const bytes = await readInputFile(file);
    const text = Buffer.from(bytes).toString("latin1");
    try {
      const ders = text.includes("-----BEGIN") ? pemBlocks(text, "CERTIFICATE") : [bytes];
      if (ders.length === 0) throw new CoreError("malformed", "no CERTIFICATE block");
      for (const der of ders) certificates.push(parseCertificate(der));
    } catch (error) {
      inFile(file, error);
    }
  }
  return certificates;
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
