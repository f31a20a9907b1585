import type { Account, AccountChanges, Role } from "@sealbox/store";
import { flagValue, hasFlag, parseArgs } from "../args.js";
import { UsageError } from "../errors.js";
import { readSecret } from "./cli-secret.js";
import { type CliIo, json, onePositional, onOff, processIo, table, withStore } from "./cli-store.js";

const USAGE = `usage:
  sealbox account add ADDRESS --password-env VAR [--name "Real Name"] [--role user|domain-admin|server-admin] [--json]
  sealbox account set ADDRESS [--name NAME] [--from ADDRESS|default] [--encryption-method NAME|default]
        [--smime on|off] [--disabled on|off] [--role ROLE] [--password-env VAR] [--json]
  sealbox account list [DOMAIN] [--json]
  (every command also takes --store URL; without --password-env a terminal prompts for the password)`;

/** The public JSON shape of an account (add fields freely, never rename). */
export function accountJson(a: Account) {
  return {
    address: a.address,
    domain: a.domain,
    name: a.realName,
    from: a.fromAddress,
    encryptionMethod: a.encryptionMethod,
    encryptionMethodSetting: a.encryptionMethodSetting,
    smime: a.smimeEnabled,
    smimeSetting: a.smimeSetting,
    disabled: a.disabled,
    role: a.role,
  };
}

/** `sealbox account add|set|list`. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "add") {
    const args = parseArgs(
      rest,
      { store: "string", json: "boolean", "password-env": "string", name: "string", role: "string" },
      USAGE,
    );
    const address = onePositional(args, "one ADDRESS", USAGE);
    const password = await readSecret(args, "password-env", "Login password", USAGE, io, { confirm: true });
    const realName = flagValue(args, "name", USAGE);
    const role = flagValue(args, "role", USAGE) as Role | undefined;
    return withStore(args, USAGE, io, async (store) => {
      // The README has people run `account add` first thing, so a new domain is created
      // with defaults — and said so, so a typo in the domain does not go unnoticed.
      const { account, domainCreated } = await store.accounts.add(address, {
        password,
        createDomain: true,
        ...(realName !== undefined && { realName }),
        ...(role !== undefined && { role }),
      });
      if (domainCreated)
        io.stderr(
          `sealbox: created domain ${account.domain} with default settings (see sealbox domain set)\n`,
        );
      if (hasFlag(args, "json")) json(io, accountJson(account));
      else io.stdout(`added account ${account.address} with INBOX, Sent, Drafts and Trash\n`);
      return 0;
    });
  }
  if (sub === "set") {
    const args = parseArgs(
      rest,
      {
        store: "string",
        json: "boolean",
        name: "string",
        from: "string",
        "encryption-method": "string",
        smime: "string",
        disabled: "string",
        role: "string",
        "password-env": "string",
      },
      USAGE,
    );
    const address = onePositional(args, "one ADDRESS", USAGE);
    const changes: AccountChanges = {};
    const name = flagValue(args, "name", USAGE);
    if (name !== undefined) changes.realName = name;
    const from = flagValue(args, "from", USAGE);
    if (from !== undefined) changes.fromAddress = from.toLowerCase() === "default" ? null : from;
    const method = flagValue(args, "encryption-method", USAGE);
    if (method !== undefined) changes.encryptionMethod = method.toLowerCase() === "default" ? null : method;
    const smime = onOff(flagValue(args, "smime", USAGE), "smime");
    if (smime !== undefined) changes.smimeEnabled = smime;
    const disabled = onOff(flagValue(args, "disabled", USAGE), "disabled");
    if (disabled !== undefined) changes.disabled = disabled;
    const role = flagValue(args, "role", USAGE);
    if (role !== undefined) changes.role = role as Role;
    if (hasFlag(args, "password-env"))
      changes.password = await readSecret(args, "password-env", "New login password", USAGE, io);
    if (Object.keys(changes).length === 0) throw new UsageError(`nothing to change\n${USAGE}`);
    return withStore(args, USAGE, io, async (store) => {
      const account = await store.accounts.set(address, changes);
      if (hasFlag(args, "json")) json(io, accountJson(account));
      else io.stdout(`changed account ${account.address}\n`);
      return 0;
    });
  }
  if (sub === "list") {
    const args = parseArgs(rest, { store: "string", json: "boolean" }, USAGE);
    if (args.positionals.length > 1) throw new UsageError(USAGE);
    const domain = args.positionals[0];
    return withStore(args, USAGE, io, async (store) => {
      const accounts = await store.accounts.list(domain);
      if (hasFlag(args, "json")) json(io, accounts.map(accountJson));
      else
        table(
          io,
          ["ADDRESS", "NAME", "ROLE", "S/MIME", "CIPHER", "STATE"],
          accounts.map((a) => [
            a.address,
            a.realName,
            a.role,
            a.smimeEnabled ? "on" : "off",
            a.encryptionMethod,
            a.disabled ? "disabled" : "active",
          ]),
        );
      return 0;
    });
  }
  throw new UsageError(USAGE);
}
