import { readFile } from "node:fs/promises";
import { type Certificate, CoreError, parseCertificate, pemBlocks } from "@sealbox/core";
import type { Domain, DomainSettings, TrustAnchor } from "@sealbox/store";
import { flagValue, hasFlag, type ParsedArgs, parseArgs } from "../args.js";
import { AbortError, UsageError } from "../errors.js";
import { type CliIo, json, onePositional, onOff, processIo, table, withStore } from "./cli-store.js";

const USAGE = `usage:
  sealbox domain add DOMAIN [--smime on|off] [--directory on|off] [--json]
  sealbox domain set DOMAIN [--smime on|off] [--directory on|off] [--unlock-seconds N]
        [--default-cipher NAME] [--allowed-ciphers NAME,NAME…|default] [--hide-subject on|off] [--json]
  sealbox domain list [--json]
  sealbox domain trust add DOMAIN CA.pem [--json]
        (a PEM or DER certificate; every certificate of a PEM file is added; --json: one object a line)
  sealbox domain trust list DOMAIN [--json]
        (the domain's trust anchors, the server-wide ones and the server CA)
  sealbox domain trust remove DOMAIN SHA256
        (SHA256: the certificate's fingerprint as trust list shows it, any case)
  (every command also takes --store URL)`;

const SETTINGS = {
  store: "string",
  json: "boolean",
  smime: "string",
  directory: "string",
  "unlock-seconds": "string",
  "default-cipher": "string",
  "allowed-ciphers": "string",
  "hide-subject": "string",
} as const;

/** The public JSON shape of a domain (add fields freely, never rename). */
export function domainJson(d: Domain) {
  return {
    name: d.name,
    smime: d.smimeEnabled,
    directory: d.directoryEnabled,
    unlockSeconds: d.unlockSeconds,
    defaultCipher: d.defaultCipher,
    allowedCiphers: d.allowedCiphers,
    hideSubject: d.hideSubjectWhenEncrypting,
  };
}

function settings(args: ParsedArgs): DomainSettings {
  const s: DomainSettings = {};
  const smime = onOff(flagValue(args, "smime", USAGE), "smime");
  const directory = onOff(flagValue(args, "directory", USAGE), "directory");
  const hide = onOff(flagValue(args, "hide-subject", USAGE), "hide-subject");
  if (smime !== undefined) s.smimeEnabled = smime;
  if (directory !== undefined) s.directoryEnabled = directory;
  if (hide !== undefined) s.hideSubjectWhenEncrypting = hide;
  const seconds = flagValue(args, "unlock-seconds", USAGE);
  if (seconds !== undefined) {
    if (!/^\d+$/.test(seconds))
      throw new UsageError(`--unlock-seconds takes a whole number of seconds (got "${seconds}")`);
    s.unlockSeconds = Number(seconds);
  }
  const cipher = flagValue(args, "default-cipher", USAGE);
  if (cipher !== undefined) s.defaultCipher = cipher;
  const allowed = flagValue(args, "allowed-ciphers", USAGE);
  if (allowed !== undefined)
    s.allowedCiphers = allowed.toLowerCase() === "default" ? null : allowed.split(",").map((c) => c.trim());
  return s;
}

function show(io: CliIo, d: Domain, verb: string): void {
  io.stdout(
    `${verb} domain ${d.name}: S/MIME ${d.smimeEnabled ? "on" : "off"}, directory ${d.directoryEnabled ? "on" : "off"}, ` +
      `unlock ${d.unlockSeconds} s, default cipher ${d.defaultCipher}\n`,
  );
}

/** The public JSON shape of a trust anchor (add fields freely, never rename). */
export function trustAnchorJson(a: TrustAnchor) {
  return { subject: a.subject, sha256: a.sha256, domain: a.domain, source: a.source };
}

const subjectText = (subject: string) => subject || "(empty subject)";

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new AbortError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      "io",
    );
  }
}

/** Every certificate in a file: one DER certificate, or each CERTIFICATE block of PEM text. */
async function loadCertificates(file: string): Promise<Certificate[]> {
  const bytes = await readInput(file);
  const text = Buffer.from(bytes).toString("latin1");
  try {
    const ders = text.includes("-----BEGIN") ? pemBlocks(text, "CERTIFICATE") : [bytes];
    if (ders.length === 0) throw new CoreError("malformed", "no PEM CERTIFICATE block");
    const seen = new Set<string>();
    return ders.map((der) => parseCertificate(der)).filter((c) => !seen.has(c.sha256) && seen.add(c.sha256));
  } catch (error) {
    if (error instanceof CoreError) throw new AbortError(`${file}: ${error.message}`, error.code);
    throw error;
  }
}

/** `sealbox domain trust add|list|remove`. */
async function trust(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "add") {
    const args = parseArgs(rest, { store: "string", json: "boolean" }, USAGE);
    if (args.positionals.length !== 2) throw new UsageError(`expected DOMAIN and CA.pem\n${USAGE}`);
    const [name, file] = args.positionals as [string, string];
    const certificates = await loadCertificates(file);
    return withStore(args, USAGE, io, async (store) => {
      for (const certificate of certificates) {
        const a = await store.trustAnchors.add(name, certificate);
        if (hasFlag(args, "json")) json(io, trustAnchorJson(a));
        else io.stdout(`trusted ${subjectText(a.subject)} (sha256 ${a.sha256}) for ${a.domain}\n`);
      }
      return 0;
    });
  }
  if (sub === "list") {
    const args = parseArgs(rest, { store: "string", json: "boolean" }, USAGE);
    const name = onePositional(args, "one DOMAIN", USAGE);
    return withStore(args, USAGE, io, async (store) => {
      const anchors = await store.trustAnchors.list(name);
      if (hasFlag(args, "json")) json(io, anchors.map(trustAnchorJson));
      else
        table(
          io,
          ["SHA256", "TRUSTED BY", "SUBJECT"],
          anchors.map((a) => [
            a.sha256,
            a.source === "server-ca" ? "server CA" : (a.domain ?? "server-wide"),
            subjectText(a.subject),
          ]),
        );
      return 0;
    });
  }
  if (sub === "remove") {
    const args = parseArgs(rest, { store: "string" }, USAGE);
    if (args.positionals.length !== 2) throw new UsageError(`expected DOMAIN and SHA256\n${USAGE}`);
    const [name, fingerprint] = args.positionals as [string, string];
    const sha256 = fingerprint.replaceAll(":", "").toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha256))
      throw new UsageError(`SHA256 is 64 hexadecimal digits, as trust list shows it (got "${fingerprint}")`);
    return withStore(args, USAGE, io, async (store) => {
      const a = await store.trustAnchors.removeBySha256(name, sha256);
      io.stdout(`removed ${subjectText(a.subject)} (sha256 ${a.sha256}) from ${a.domain}\n`);
      return 0;
    });
  }
  throw new UsageError(USAGE);
}

/** `sealbox domain add|set|list|trust`. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "add") {
    const args = parseArgs(
      rest,
      { store: "string", json: "boolean", smime: "string", directory: "string" },
      USAGE,
    );
    const name = onePositional(args, "one DOMAIN", USAGE);
    const s = settings(args);
    return withStore(args, USAGE, io, async (store) => {
      const d = await store.domains.add(name, s);
      hasFlag(args, "json") ? json(io, domainJson(d)) : show(io, d, "added");
      return 0;
    });
  }
  if (sub === "set") {
    const args = parseArgs(rest, SETTINGS, USAGE);
    const name = onePositional(args, "one DOMAIN", USAGE);
    const s = settings(args);
    if (Object.keys(s).length === 0) throw new UsageError(`nothing to change\n${USAGE}`);
    return withStore(args, USAGE, io, async (store) => {
      const d = await store.domains.set(name, s);
      hasFlag(args, "json") ? json(io, domainJson(d)) : show(io, d, "changed");
      return 0;
    });
  }
  if (sub === "list") {
    const args = parseArgs(rest, { store: "string", json: "boolean" }, USAGE);
    if (args.positionals.length > 0) throw new UsageError(USAGE);
    return withStore(args, USAGE, io, async (store) => {
      const domains = await store.domains.list();
      if (hasFlag(args, "json")) json(io, domains.map(domainJson));
      else
        table(
          io,
          ["DOMAIN", "S/MIME", "DIRECTORY", "UNLOCK", "DEFAULT CIPHER"],
          domains.map((d) => [
            d.name,
            d.smimeEnabled ? "on" : "off",
            d.directoryEnabled ? "on" : "off",
            `${d.unlockSeconds} s`,
            d.defaultCipher,
          ]),
        );
      return 0;
    });
  }
  if (sub === "trust") return trust(rest, io);
  throw new UsageError(USAGE);
}
