import {
  parseActionText,
  parseConditionText,
  type RuleOwner,
  ruleJson,
  ruleText,
  type Store,
  StoreError,
} from "@sealbox/store";
import { command, group } from "../command.js";
import { UsageError } from "../errors.js";
import { flag, value } from "../options.js";
import { json } from "../support/output.js";
import { storeOption, withStore } from "../support/store.js";

const NOTES = `--domain DOMAIN in place of ACCOUNT works on the domain's rules (they run first, for every account).
Fields: From, Sender, To, Cc, Any To or Cc, Reply-To, Subject, Header Field (VALUE is "Name: pattern"),
        Message Size, Security.  Operations: is, is not, in, not in (\`*\` wildcards, case-insensitive;
        in takes a comma-separated list); Message Size: greater than, less than (bytes, K, M).
Actions: Store in MAILBOX, Store Encrypted in MAILBOX, Mark seen|flagged, Add Header "Name: value",
         Discard, Stop Processing.`;

const OWNER = { domain: value("DOMAIN"), ...storeOption } as const;

/** The owner from `ACCOUNT` or `--domain DOMAIN`, and the remaining positionals. */
async function owner(
  store: Store,
  domain: string | undefined,
  given: ReadonlyArray<string | undefined>,
): Promise<{ owner: RuleOwner; rest: string[] }> {
  const positionals = given.filter((p) => p !== undefined);
  if (domain !== undefined)
    return { owner: { domainId: (await store.domains.require(domain)).id }, rest: positionals };
  const [address, ...rest] = positionals;
  if (address === undefined) throw new UsageError("expected ACCOUNT or --domain DOMAIN");
  return { owner: { accountId: (await store.accounts.require(address)).id }, rest };
}

/** The rule from --json, or from --name/--priority/--match/--if/--then/--stop. */
function ruleInput(options: {
  json: string | undefined;
  name: string | undefined;
  priority: string | undefined;
  match: string | undefined;
  if: string[];
  then: string[];
  stop: boolean;
}): unknown {
  if (options.json !== undefined) {
    const fields: Array<[string, boolean]> = [
      ["name", options.name !== undefined],
      ["priority", options.priority !== undefined],
      ["match", options.match !== undefined],
      ["if", options.if.length > 0],
      ["then", options.then.length > 0],
      ["stop", options.stop],
    ];
    const mixed = fields.find(([, given]) => given);
    if (mixed) throw new UsageError(`--json and --${mixed[0]} do not mix`);
    try {
      return JSON.parse(options.json);
    } catch (error) {
      throw new UsageError(`--json is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (options.then.length === 0) throw new UsageError("a rule needs at least one --then");
  if (options.name === undefined) throw new UsageError("--name is required");
  try {
    return {
      name: options.name,
      ...(options.priority !== undefined && { priority: options.priority }),
      ...(options.match !== undefined && { match: options.match }),
      conditions: options.if.map(parseConditionText),
      actions: options.then.map(parseActionText),
      stop: options.stop,
    };
  } catch (error) {
    if (error instanceof StoreError) throw new UsageError(error.message);
    throw error;
  }
}

const add = command({
  name: "rule add",
  args: "[ACCOUNT]",
  options: {
    name: value("NAME"),
    priority: value("1-9|inactive"),
    match: value("all|any"),
    if: value('"FIELD OP VALUE"', { repeat: true }),
    // biome-ignore lint/suspicious/noThenProperty: an option (--then), never awaited
    then: value('"ACTION [ARGUMENT]"', { repeat: true }),
    stop: flag(),
    replace: flag(),
    json: value(`'{"name":…,"priority":5,"conditions":[…],"actions":[…],"stop":false}'`),
    ...OWNER,
  },
  notes: "--json RULE in place of --name, --priority, --match, --if, --then and --stop",
  async run({ options, positionals }, io) {
    const input = ruleInput(options);
    return withStore(options.store, io, async (store) => {
      const { owner: o, rest: extra } = await owner(store, options.domain, positionals);
      if (extra.length > 0) throw new UsageError(`unexpected "${extra[0]}"`);
      const rule = options.replace ? await store.rules.put(o, input) : await store.rules.add(o, input);
      io.stdout(
        `${options.replace ? "saved" : "added"} rule "${rule.name}" (${rule.priority === null ? "inactive" : `priority ${rule.priority}`}): ${ruleText(rule)}\n`,
      );
      return 0;
    });
  },
});

const list = command({
  name: "rule list",
  args: "[ACCOUNT]",
  options: { json: flag(), ...OWNER },
  async run({ options, positionals }, io) {
    return withStore(options.store, io, async (store) => {
      const { owner: o, rest: extra } = await owner(store, options.domain, positionals);
      if (extra.length > 0) throw new UsageError(`unexpected "${extra[0]}"`);
      const rules = await store.rules.list(o);
      if (options.json) json(io, rules.map(ruleJson));
      else
        for (const r of rules)
          io.stdout(`${r.priority === null ? "inactive" : r.priority}  ${r.name}: ${ruleText(r)}\n`);
      return 0;
    });
  },
});

const remove = command({
  name: "rule remove",
  args: "[ACCOUNT] NAME",
  options: { ...OWNER },
  async run({ options, positionals }, io) {
    return withStore(options.store, io, async (store) => {
      const { owner: o, rest: names } = await owner(store, options.domain, positionals);
      if (names.length !== 1) throw new UsageError("expected one rule NAME");
      await store.rules.remove(o, names[0] as string);
      io.stdout(`removed rule "${names[0]}"\n`);
      return 0;
    });
  },
});

/** `sealbox rule add|list|remove`. */
export const entry = group("rule", { add, list, remove }, NOTES);
