import { readFile } from "node:fs/promises";
import type { MessageSummary, Store } from "@sealbox/store";
import { flagValue, hasFlag, type ParsedArgs, parseArgs, requireFlag } from "../args.js";
import { AbortError, UsageError } from "../errors.js";
import { readSecret } from "./cli-secret.js";
import { type CliIo, json, onOff, processIo, table, withStore } from "./cli-store.js";
import { runBulk } from "./message-bulk.js";

const USAGE = `usage:
  sealbox message list ACCOUNT MAILBOX [--json] [--limit N] [--search TEXT]
  sealbox message show ACCOUNT MAILBOX ID [--raw | --json]
  sealbox message flag ACCOUNT MAILBOX ID [--seen on|off] [--flagged on|off] [--deleted on|off]
  sealbox message move|copy ACCOUNT MAILBOX ID --to MAILBOX
  sealbox message delete ACCOUNT MAILBOX ID
  sealbox message decrypt ACCOUNT MAILBOX ID --secure-password-env VAR [--json]   (the Decrypt button)
  sealbox message encrypt ACCOUNT MAILBOX ID --secure-password-env VAR [--json]   (the Encrypt button)
  sealbox message encrypt-all|decrypt-all ACCOUNT MAILBOX --secure-password-env VAR [--json]
      every message of the folder still in the other state, one at a time (Ctrl-C stops after
      the message in hand; run again to continue); --json: one line per message, then a summary
  sealbox message append ACCOUNT MAILBOX FILE... [--json]   store .eml files as they are (no rules)
  (every command also takes --store URL)`;

/** The public JSON shape of a listed message (add fields freely, never rename). */
export function messageJson(m: MessageSummary, mailbox: string) {
  return {
    id: m.id,
    subject: m.subject,
    from: m.from,
    to: m.to,
    date: new Date(m.date).toISOString(),
    size: m.size,
    security: m.security,
    cipher: m.cipher,
    flags: m.flags,
    mailbox,
  };
}

/** The raw bytes, exactly; stdout may be a pipe that takes them in several writes. */
function writeRaw(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())),
  );
}

async function context(store: Store, args: ParsedArgs, count: number) {
  if (args.positionals.length !== count) throw new UsageError(USAGE);
  const [address, mailboxName, id] = args.positionals as [string, string, string | undefined];
  const account = await store.accounts.require(address);
  const mailbox = await store.mailboxes.require(account.id, mailboxName);
  if (id !== undefined) {
    const message = await store.messages.get(account.id, id);
    // The message must be in the mailbox named, not merely the account's.
    if (message.mailboxId !== mailbox.id)
      throw new AbortError(`message ${id} is not in ${mailbox.name}`, "not-found");
    return { account, mailbox, message };
  }
  return { account, mailbox, message: undefined };
}

/** `sealbox message list|show|flag|move|copy|delete`. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(
    rest,
    {
      store: "string",
      json: "boolean",
      raw: "boolean",
      limit: "string",
      search: "string",
      to: "string",
      seen: "string",
      flagged: "string",
      deleted: "string",
      "secure-password-env": "string",
    },
    USAGE,
  );
  if (sub === "list") {
    const limitText = flagValue(args, "limit", USAGE);
    if (limitText !== undefined && !/^[1-9]\d*$/.test(limitText))
      throw new UsageError(`--limit takes a positive number\n${USAGE}`);
    const limit = limitText === undefined ? Number.POSITIVE_INFINITY : Number(limitText);
    const search = flagValue(args, "search", USAGE);
    return withStore(args, USAGE, io, async (store) => {
      const { account, mailbox } = await context(store, args, 2);
      const messages: MessageSummary[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.listMessages(account.id, mailbox.id, {
          limit: Math.min(1000, limit - messages.length),
          cursor,
          ...(search !== undefined && { search: { text: search } }),
        });
        messages.push(...page.messages);
        cursor = page.nextCursor;
      } while (cursor && messages.length < limit);
      if (hasFlag(args, "json"))
        json(
          io,
          messages.map((m) => messageJson(m, mailbox.name)),
        );
      else
        table(
          io,
          ["ID", "DATE", "FROM", "SUBJECT", "SECURITY", "FLAGS"],
          messages.map((m) => [
            m.id,
            new Date(m.date).toISOString().slice(0, 16).replace("T", " "),
            m.from.length > 30 ? `${m.from.slice(0, 29)}…` : m.from,
            m.subject.length > 50 ? `${m.subject.slice(0, 49)}…` : m.subject,
            m.cipher ? `${m.security} (${m.cipher})` : m.security,
            m.flags.join(","),
          ]),
        );
      return 0;
    });
  }
  if (sub === "show") {
    return withStore(args, USAGE, io, async (store) => {
      const { account, mailbox, message } = await context(store, args, 3);
      if (!message) throw new UsageError(USAGE);
      if (hasFlag(args, "raw")) await writeRaw(await store.messages.raw(account.id, message.id));
      else if (hasFlag(args, "json")) json(io, messageJson(message, mailbox.name));
      else
        io.stdout(
          `From:     ${message.from}\nTo:       ${message.to}\n${message.cc ? `Cc:       ${message.cc}\n` : ""}` +
            `Subject:  ${message.subject}\nDate:     ${new Date(message.date).toISOString()}\n` +
            `Size:     ${message.size} bytes\nSecurity: ${message.security}${message.cipher ? ` (${message.cipher})` : ""}\n` +
            `Flags:    ${message.flags.join(", ") || "none"}\n`,
        );
      return 0;
    });
  }
  if (sub === "flag") {
    const flags: Partial<Record<"seen" | "flagged" | "deleted", boolean>> = {};
    for (const f of ["seen", "flagged", "deleted"] as const) {
      const v = onOff(flagValue(args, f, USAGE), f);
      if (v !== undefined) flags[f] = v;
    }
    if (Object.keys(flags).length === 0) throw new UsageError(`nothing to change\n${USAGE}`);
    return withStore(args, USAGE, io, async (store) => {
      const { account, message } = await context(store, args, 3);
      const updated = await store.messages.setFlags(account.id, (message as MessageSummary).id, flags);
      io.stdout(`flags: ${updated.flags.join(", ") || "none"}\n`);
      return 0;
    });
  }
  if (sub === "move" || sub === "copy") {
    const target = requireFlag(args, "to", USAGE);
    return withStore(args, USAGE, io, async (store) => {
      const { account, message } = await context(store, args, 3);
      const to = await store.mailboxes.require(account.id, target);
      const id = (message as MessageSummary).id;
      const result =
        sub === "move"
          ? await store.messages.move(account.id, id, to.id)
          : await store.messages.copy(account.id, id, to.id);
      io.stdout(`${sub === "move" ? "moved" : "copied"} to ${to.name} (id ${result.id})\n`);
      return 0;
    });
  }
  if (sub === "delete") {
    return withStore(args, USAGE, io, async (store) => {
      const { account, message } = await context(store, args, 3);
      await store.messages.remove(account.id, (message as MessageSummary).id);
      io.stdout("deleted\n");
      return 0;
    });
  }
  if (sub === "encrypt-all" || sub === "decrypt-all")
    return runBulk(sub === "encrypt-all" ? "encrypt" : "decrypt", args, USAGE, io);
  if (sub === "append") {
    if (args.positionals.length < 3) throw new UsageError(`expected ACCOUNT MAILBOX FILE...\n${USAGE}`);
    const [address, mailboxName, ...files] = args.positionals as [string, string, ...string[]];
    return withStore(args, USAGE, io, async (store) => {
      const account = await store.accounts.require(address);
      const mailbox = await store.mailboxes.require(account.id, mailboxName);
      for (const file of files) {
        let raw: Buffer;
        try {
          raw = await readFile(file);
        } catch (error) {
          throw new AbortError(`cannot read ${file}: ${(error as Error).message}`);
        }
        if (raw.length === 0) throw new AbortError(`${file} is empty: no message to append`);
        // One transaction per file: what was appended before a failure stays appended.
        const stored = await store.messages.append(account.id, mailbox.id, raw);
        if (hasFlag(args, "json")) json(io, messageJson(stored, mailbox.name));
      }
      if (!hasFlag(args, "json"))
        io.stdout(`appended ${files.length} message${files.length === 1 ? "" : "s"} to ${mailbox.name}\n`);
      return 0;
    });
  }
  if (sub === "decrypt" || sub === "encrypt") {
    const password = await readSecret(args, "secure-password-env", "Secure Mail Password", USAGE, io);
    return withStore(args, USAGE, io, async (store) => {
      const { account, mailbox, message } = await context(store, args, 3);
      const id = (message as MessageSummary).id;
      // One transaction each: the stored message is replaced by its other form, never lost or doubled.
      const result =
        sub === "decrypt"
          ? await store.messageCrypto.decryptInPlace(account.id, id, password)
          : await store.messageCrypto.encryptInPlace(account.id, id, password);
      if (hasFlag(args, "json")) json(io, messageJson(result, mailbox.name));
      else io.stdout(`${sub === "decrypt" ? "decrypted" : "encrypted"} in place (new id ${result.id})\n`);
      return 0;
    });
  }
  throw new UsageError(USAGE);
}
