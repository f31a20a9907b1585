import type { Domain, DomainSettings } from "@sealbox/store";
import { flagValue, hasFlag, type ParsedArgs, parseArgs } from "../args.js";
import { UsageError } from "../errors.js";
import { type CliIo, json, onePositional, onOff, processIo, table, withStore } from "./cli-store.js";

const USAGE = `usage:
  sealbox domain add DOMAIN [--smime on|off] [--directory on|off] [--json]
  sealbox domain set DOMAIN [--smime on|off] [--directory on|off] [--unlock-seconds N]
        [--default-cipher NAME] [--allowed-ciphers NAME,NAME…|default] [--hide-subject on|off] [--json]
  sealbox domain list [--json]
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

/** `sealbox domain add|set|list`. */
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
  throw new UsageError(USAGE);
}
