import {
  parseActionText,
  parseConditionText,
  type RuleOwner,
  ruleJson,
  ruleText,
  type Store,
  StoreError,
} from "@sealbox/store";
import { flagValue, flagValues, hasFlag, type ParsedArgs, parseArgs, requireFlag } from "../args.js";
import { UsageError } from "../errors.js";
import { type CliIo, json, processIo, withStore } from "./cli-store.js";

const USAGE = `usage:
  sealbox rule add ACCOUNT --name NAME [--priority 1-9|inactive] [--match all|any]
        --if "FIELD OP VALUE"... --then "ACTION [ARGUMENT]"... [--stop] [--replace]
  sealbox rule add ACCOUNT --json '{"name":…,"priority":5,"conditions":[…],"actions":[…],"stop":false}' [--replace]
  sealbox rule list ACCOUNT [--json]
  sealbox rule remove ACCOUNT NAME
  --domain DOMAIN in place of ACCOUNT works on the domain's rules (they run first, for every account).
  Fields: From, Sender, To, Cc, Any To or Cc, Reply-To, Subject, Header Field (VALUE is "Name: pattern"),
          Message Size, Security.  Operations: is, is not, in, not in (\`*\` wildcards, case-insensitive;
          in takes a comma-separated list); Message Size: greater than, less than (bytes, K, M).
  Actions: Store in MAILBOX, Store Encrypted in MAILBOX, Mark seen|flagged, Add Header "Name: value",
           Discard, Stop Processing.
  (every command also takes --store URL)`;

/** The owner from `ACCOUNT` or `--domain DOMAIN`, and the remaining positionals. */
async function owner(store: Store, args: ParsedArgs): Promise<{ owner: RuleOwner; rest: string[] }> {
  const domain = flagValue(args, "domain", USAGE);
  if (domain !== undefined)
    return { owner: { domainId: (await store.domains.require(domain)).id }, rest: args.positionals };
  const [address, ...rest] = args.positionals;
  if (address === undefined) throw new UsageError(`expected ACCOUNT or --domain DOMAIN\n${USAGE}`);
  return { owner: { accountId: (await store.accounts.require(address)).id }, rest };
}

/** The rule from --json, or from --name/--priority/--if/--then/--stop. */
function ruleInput(args: ParsedArgs): unknown {
  const text = flagValue(args, "json", USAGE);
  if (text !== undefined) {
    for (const f of ["name", "priority", "match", "if", "then", "stop"])
      if (hasFlag(args, f)) throw new UsageError(`--json and --${f} do not mix\n${USAGE}`);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--json is not valid JSON: ${(error as Error).message}`);
    }
  }
  const then = flagValues(args, "then");
  if (then.length === 0) throw new UsageError(`a rule needs at least one --then\n${USAGE}`);
  try {
    return {
      name: requireFlag(args, "name", USAGE),
      ...(hasFlag(args, "priority") && { priority: flagValue(args, "priority", USAGE) }),
      ...(hasFlag(args, "match") && { match: flagValue(args, "match", USAGE) }),
      conditions: flagValues(args, "if").map(parseConditionText),
      actions: then.map(parseActionText),
      stop: hasFlag(args, "stop"),
    };
  } catch (error) {
    if (error instanceof StoreError) throw new UsageError(`${error.message}\n${USAGE}`);
    throw error;
  }
}

/** `sealbox rule add|list|remove`. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "add") {
    const args = parseArgs(
      rest,
      {
        store: "string",
        domain: "string",
        json: "string",
        name: "string",
        priority: "string",
        match: "string",
        if: "string",
        // biome-ignore lint/suspicious/noThenProperty: a flag spec (--then), never awaited
        then: "string",
        stop: "boolean",
        replace: "boolean",
      },
      USAGE,
    );
    const input = ruleInput(args);
    return withStore(args, USAGE, io, async (store) => {
      const { owner: o, rest: extra } = await owner(store, args);
      if (extra.length > 0) throw new UsageError(`unexpected "${extra[0]}"\n${USAGE}`);
      const rule = hasFlag(args, "replace")
        ? await store.rules.put(o, input)
        : await store.rules.add(o, input);
      io.stdout(
        `${hasFlag(args, "replace") ? "saved" : "added"} rule "${rule.name}" (${rule.priority === null ? "inactive" : `priority ${rule.priority}`}): ${ruleText(rule)}\n`,
      );
      return 0;
    });
  }
  if (sub === "list") {
    const args = parseArgs(rest, { store: "string", domain: "string", json: "boolean" }, USAGE);
    return withStore(args, USAGE, io, async (store) => {
      const { owner: o, rest: extra } = await owner(store, args);
      if (extra.length > 0) throw new UsageError(`unexpected "${extra[0]}"\n${USAGE}`);
      const rules = await store.rules.list(o);
      if (hasFlag(args, "json")) json(io, rules.map(ruleJson));
      else
        for (const r of rules)
          io.stdout(`${r.priority === null ? "inactive" : r.priority}  ${r.name}: ${ruleText(r)}\n`);
      return 0;
    });
  }
  if (sub === "remove") {
    const args = parseArgs(rest, { store: "string", domain: "string" }, USAGE);
    return withStore(args, USAGE, io, async (store) => {
      const { owner: o, rest: names } = await owner(store, args);
      if (names.length !== 1) throw new UsageError(`expected one rule NAME\n${USAGE}`);
      await store.rules.remove(o, names[0] as string);
      io.stdout(`removed rule "${names[0]}"\n`);
      return 0;
    });
  }
  throw new UsageError(USAGE);
}
