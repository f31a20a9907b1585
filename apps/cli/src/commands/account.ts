import type { Account, AccountChanges, Role } from "@sealbox/store";
import { command, group } from "../command.js";
import { UsageError } from "../errors.js";
import { flag, onOff, value } from "../options.js";
import { json, table } from "../support/output.js";
import { readSecret } from "../support/secret.js";
import { storeOption, withStore } from "../support/store.js";

const PROMPT_NOTE = "without --password-env a terminal prompts for the password";

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

const add = command({
  name: "account add",
  args: "ADDRESS",
  expect: "one ADDRESS",
  options: {
    "password-env": value("VAR"),
    name: value('"Real Name"'),
    role: value("user|domain-admin|server-admin"),
    json: flag(),
    ...storeOption,
  },
  notes: `creates INBOX, Sent, Drafts, Trash; a new domain is created with defaults; ${PROMPT_NOTE}`,
  async run({ options, positionals: [address] }, io) {
    const password = await readSecret(io, {
      flag: "password-env",
      variable: options["password-env"],
      label: "Login password",
      confirm: true,
    });
    const { name: realName } = options;
    const role = options.role as Role | undefined;
    return withStore(options.store, io, async (store) => {
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
      if (options.json) json(io, accountJson(account));
      else io.stdout(`added account ${account.address} with INBOX, Sent, Drafts and Trash\n`);
      return 0;
    });
  },
});

const set = command({
  name: "account set",
  args: "ADDRESS",
  expect: "one ADDRESS",
  options: {
    name: value("NAME"),
    from: value("ADDRESS|default"),
    "encryption-method": value("NAME|default"),
    smime: value("on|off"),
    disabled: value("on|off"),
    role: value("ROLE"),
    "password-env": value("VAR"),
    json: flag(),
    ...storeOption,
  },
  async run({ options, positionals: [address] }, io) {
    const changes: AccountChanges = {};
    const { name, from } = options;
    if (name !== undefined) changes.realName = name;
    if (from !== undefined) changes.fromAddress = from.toLowerCase() === "default" ? null : from;
    const method = options["encryption-method"];
    if (method !== undefined) changes.encryptionMethod = method.toLowerCase() === "default" ? null : method;
    const smime = onOff(options.smime, "smime");
    if (smime !== undefined) changes.smimeEnabled = smime;
    const disabled = onOff(options.disabled, "disabled");
    if (disabled !== undefined) changes.disabled = disabled;
    if (options.role !== undefined) changes.role = options.role as Role;
    if (options["password-env"] !== undefined)
      changes.password = await readSecret(io, {
        flag: "password-env",
        variable: options["password-env"],
        label: "New login password",
      });
    if (Object.keys(changes).length === 0) throw new UsageError("nothing to change");
    return withStore(options.store, io, async (store) => {
      const account = await store.accounts.set(address, changes);
      if (options.json) json(io, accountJson(account));
      else io.stdout(`changed account ${account.address}\n`);
      return 0;
    });
  },
});

const list = command({
  name: "account list",
  args: "[DOMAIN]",
  options: { json: flag(), ...storeOption },
  async run({ options, positionals: [domain] }, io) {
    return withStore(options.store, io, async (store) => {
      const accounts = await store.accounts.list(domain);
      if (options.json) json(io, accounts.map(accountJson));
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
  },
});

/** `sealbox account add|set|list`. */
export const entry = group("account", { add, set, list });
