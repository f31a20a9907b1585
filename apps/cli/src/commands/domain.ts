import { type Certificate, CoreError, parseCertificate, pemBlocks } from "@sealbox/core";
import type { Domain, DomainSettings, TrustAnchor } from "@sealbox/store";
import { command, group } from "../command.js";
import { AbortError, UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { flag, onOff, value } from "../options.js";
import { readInputFile } from "../support/files.js";
import { json, table } from "../support/output.js";
import { storeOption, withStore } from "../support/store.js";

const SWITCHES = { smime: value("on|off"), directory: value("on|off") } as const;

const SETTINGS = {
  ...SWITCHES,
  "unlock-seconds": value("N"),
  "default-cipher": value("NAME"),
  "allowed-ciphers": value("NAME,NAME…|default"),
  "hide-subject": value("on|off"),
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

function settings(options: {
  smime: string | undefined;
  directory: string | undefined;
  "hide-subject"?: string | undefined;
  "unlock-seconds"?: string | undefined;
  "default-cipher"?: string | undefined;
  "allowed-ciphers"?: string | undefined;
}): DomainSettings {
  const s: DomainSettings = {};
  const smime = onOff(options.smime, "smime");
  const directory = onOff(options.directory, "directory");
  const hide = onOff(options["hide-subject"], "hide-subject");
  if (smime !== undefined) s.smimeEnabled = smime;
  if (directory !== undefined) s.directoryEnabled = directory;
  if (hide !== undefined) s.hideSubjectWhenEncrypting = hide;
  const seconds = options["unlock-seconds"];
  if (seconds !== undefined) {
    if (!/^\d+$/.test(seconds))
      throw new UsageError(`--unlock-seconds takes a whole number of seconds (got "${seconds}")`);
    s.unlockSeconds = Number(seconds);
  }
  const cipher = options["default-cipher"];
  if (cipher !== undefined) s.defaultCipher = cipher;
  const allowed = options["allowed-ciphers"];
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

/** Every certificate in a file: one DER certificate, or each CERTIFICATE block of PEM text. */
async function loadCertificates(file: string): Promise<Certificate[]> {
  const bytes = await readInputFile(file);
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

const trustAdd = command({
  name: "domain trust add",
  args: "DOMAIN CA.pem",
  expect: "DOMAIN and CA.pem",
  options: { json: flag(), ...storeOption },
  notes: "a PEM or DER certificate; every certificate of a PEM file is added; --json: one object a line",
  async run({ options, positionals: [name, file] }, io) {
    const certificates = await loadCertificates(file);
    return withStore(options.store, io, async (store) => {
      for (const certificate of certificates) {
        const a = await store.trustAnchors.add(name, certificate);
        if (options.json) json(io, trustAnchorJson(a));
        else io.stdout(`trusted ${subjectText(a.subject)} (sha256 ${a.sha256}) for ${a.domain}\n`);
      }
      return 0;
    });
  },
});

const trustList = command({
  name: "domain trust list",
  args: "DOMAIN",
  expect: "one DOMAIN",
  options: { json: flag(), ...storeOption },
  notes: "the domain's trust anchors, the server-wide ones and the server CA",
  async run({ options, positionals: [name] }, io) {
    return withStore(options.store, io, async (store) => {
      const anchors = await store.trustAnchors.list(name);
      if (options.json) json(io, anchors.map(trustAnchorJson));
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
  },
});

const trustRemove = command({
  name: "domain trust remove",
  args: "DOMAIN SHA256",
  expect: "DOMAIN and SHA256",
  options: { ...storeOption },
  notes: "SHA256: the certificate's fingerprint as trust list shows it, any case",
  async run({ options, positionals: [name, fingerprint] }, io) {
    const sha256 = fingerprint.replaceAll(":", "").toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha256))
      throw new UsageError(`SHA256 is 64 hexadecimal digits, as trust list shows it (got "${fingerprint}")`);
    return withStore(options.store, io, async (store) => {
      const a = await store.trustAnchors.removeBySha256(name, sha256);
      io.stdout(`removed ${subjectText(a.subject)} (sha256 ${a.sha256}) from ${a.domain}\n`);
      return 0;
    });
  },
});

const add = command({
  name: "domain add",
  args: "DOMAIN",
  expect: "one DOMAIN",
  options: { ...SWITCHES, json: flag(), ...storeOption },
  async run({ options, positionals: [name] }, io) {
    const s = settings(options);
    return withStore(options.store, io, async (store) => {
      const d = await store.domains.add(name, s);
      options.json ? json(io, domainJson(d)) : show(io, d, "added");
      return 0;
    });
  },
});

const set = command({
  name: "domain set",
  args: "DOMAIN",
  expect: "one DOMAIN",
  options: { ...SETTINGS, json: flag(), ...storeOption },
  async run({ options, positionals: [name] }, io) {
    const s = settings(options);
    if (Object.keys(s).length === 0) throw new UsageError("nothing to change");
    return withStore(options.store, io, async (store) => {
      const d = await store.domains.set(name, s);
      options.json ? json(io, domainJson(d)) : show(io, d, "changed");
      return 0;
    });
  },
});

const list = command({
  name: "domain list",
  options: { json: flag(), ...storeOption },
  async run({ options }, io) {
    return withStore(options.store, io, async (store) => {
      const domains = await store.domains.list();
      if (options.json) json(io, domains.map(domainJson));
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
  },
});

/** `sealbox domain add|set|list|trust`. */
export const entry = group("domain", {
  add,
  set,
  list,
  trust: group("domain trust", { add: trustAdd, list: trustList, remove: trustRemove }),
});
