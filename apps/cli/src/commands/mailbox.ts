import { hasFlag, parseArgs } from "../args.js";
import { UsageError } from "../errors.js";
import { type CliIo, json, processIo, table, withStore } from "./cli-store.js";

const USAGE = `usage:
  sealbox mailbox list ACCOUNT [--json]
  sealbox mailbox create ACCOUNT NAME
  sealbox mailbox rename ACCOUNT NAME NEW-NAME
  sealbox mailbox delete ACCOUNT NAME        (deletes the messages in it too)
  (every command also takes --store URL)`;

/** `sealbox mailbox list|create|rename|delete`. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, { store: "string", json: "boolean" }, USAGE);
  const [address, name, newName, ...extra] = args.positionals;
  const arity = { list: 1, create: 2, rename: 3, delete: 2 }[sub ?? ""];
  if (arity === undefined || args.positionals.length !== arity || extra.length > 0)
    throw new UsageError(USAGE);
  return withStore(args, USAGE, io, async (store) => {
    const account = await store.accounts.require(address as string);
    if (sub === "list") {
      const boxes = await store.mailboxes.list(account.id);
      if (hasFlag(args, "json"))
        json(
          io,
          boxes.map((b) => ({ id: b.id, name: b.name, total: b.total, unseen: b.unseen })),
        );
      else
        table(
          io,
          ["MAILBOX", "MESSAGES", "UNSEEN"],
          boxes.map((b) => [b.name, String(b.total), String(b.unseen)]),
        );
    } else if (sub === "create") {
      io.stdout(`created mailbox ${(await store.mailboxes.create(account.id, name as string)).name}\n`);
    } else if (sub === "rename") {
      io.stdout(
        `renamed to ${(await store.mailboxes.rename(account.id, name as string, newName as string)).name}\n`,
      );
    } else {
      await store.mailboxes.remove(account.id, name as string);
      io.stdout(`deleted mailbox ${name}\n`);
    }
    return 0;
  });
}
