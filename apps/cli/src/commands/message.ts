import type { MessageSummary, Store } from "@sealbox/store";
import { command, group } from "../command.js";
import { AbortError, UsageError } from "../errors.js";
import { flag, onOff, value } from "../options.js";
import { readInputFile } from "../support/files.js";
import { json, table } from "../support/output.js";
import { readSecret } from "../support/secret.js";
import { storeOption, withStore } from "../support/store.js";
import { bulkCommand } from "./message-bulk.js";

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

/** The account, the mailbox and (given an id) the message, which must be in that mailbox. */
async function context(store: Store, [address, mailboxName, id]: [string, string, string?]) {
  const account = await store.accounts.require(address);
  const mailbox = await store.mailboxes.require(account.id, mailboxName);
  if (id === undefined) return { account, mailbox, message: undefined };
  const message = await store.messages.get(account.id, id);
  // The message must be in the mailbox named, not merely the account's.
  if (message.mailboxId !== mailbox.id)
    throw new AbortError(`message ${id} is not in ${mailbox.name}`, "not-found");
  return { account, mailbox, message };
}

async function oneMessage(store: Store, positionals: [string, string, string]) {
  const { account, mailbox, message } = await context(store, positionals);
  return { account, mailbox, message: message as MessageSummary };
}

const list = command({
  name: "message list",
  args: "ACCOUNT MAILBOX",
  options: { json: flag(), limit: value("N"), search: value("TEXT"), ...storeOption },
  async run({ options, positionals }, io) {
    if (options.limit !== undefined && !/^[1-9]\d*$/.test(options.limit))
      throw new UsageError("--limit takes a positive number");
    const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : Number(options.limit);
    const { search } = options;
    return withStore(options.store, io, async (store) => {
      const { account, mailbox } = await context(store, positionals);
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
      if (options.json)
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
  },
});

const show = command({
  name: "message show",
  args: "ACCOUNT MAILBOX ID",
  options: { raw: flag(), json: flag(), ...storeOption },
  notes: "--raw: the stored bytes exactly (it wins over --json)",
  async run({ options, positionals }, io) {
    return withStore(options.store, io, async (store) => {
      const { account, mailbox, message } = await oneMessage(store, positionals);
      // The raw bytes, exactly, a chunk at a time (stdout to a file or pipe is written synchronously).
      if (options.raw) {
        const { stream } = await store.messages.rawStream(account.id, message.id);
        for await (const chunk of stream) io.stdout(chunk);
      } else if (options.json) json(io, messageJson(message, mailbox.name));
      else
        io.stdout(
          `From:     ${message.from}\nTo:       ${message.to}\n${message.cc ? `Cc:       ${message.cc}\n` : ""}` +
            `Subject:  ${message.subject}\nDate:     ${new Date(message.date).toISOString()}\n` +
            `Size:     ${message.size} bytes\nSecurity: ${message.security}${message.cipher ? ` (${message.cipher})` : ""}\n` +
            `Flags:    ${message.flags.join(", ") || "none"}\n`,
        );
      return 0;
    });
  },
});

const flagMessage = command({
  name: "message flag",
  args: "ACCOUNT MAILBOX ID",
  options: { seen: value("on|off"), flagged: value("on|off"), deleted: value("on|off"), ...storeOption },
  async run({ options, positionals }, io) {
    const flags: Partial<Record<"seen" | "flagged" | "deleted", boolean>> = {};
    for (const f of ["seen", "flagged", "deleted"] as const) {
      const v = onOff(options[f], f);
      if (v !== undefined) flags[f] = v;
    }
    if (Object.keys(flags).length === 0) throw new UsageError("nothing to change");
    return withStore(options.store, io, async (store) => {
      const { account, message } = await oneMessage(store, positionals);
      const updated = await store.messages.setFlags(account.id, message.id, flags);
      io.stdout(`flags: ${updated.flags.join(", ") || "none"}\n`);
      return 0;
    });
  },
});

function transfer(kind: "move" | "copy") {
  return command({
    name: `message ${kind}`,
    args: "ACCOUNT MAILBOX ID",
    options: { to: value("MAILBOX", { required: true }), ...storeOption },
    async run({ options, positionals }, io) {
      return withStore(options.store, io, async (store) => {
        const { account, message } = await oneMessage(store, positionals);
        const to = await store.mailboxes.require(account.id, options.to);
        const result =
          kind === "move"
            ? await store.messages.move(account.id, message.id, to.id)
            : await store.messages.copy(account.id, message.id, to.id);
        io.stdout(`${kind === "move" ? "moved" : "copied"} to ${to.name} (id ${result.id})\n`);
        return 0;
      });
    },
  });
}

const remove = command({
  name: "message delete",
  args: "ACCOUNT MAILBOX ID",
  options: { ...storeOption },
  async run({ options, positionals }, io) {
    return withStore(options.store, io, async (store) => {
      const { account, message } = await oneMessage(store, positionals);
      await store.messages.remove(account.id, message.id);
      io.stdout("deleted\n");
      return 0;
    });
  },
});

/** The Decrypt and Encrypt buttons: the stored message is replaced by its other form. */
function inPlace(kind: "decrypt" | "encrypt") {
  return command({
    name: `message ${kind}`,
    args: "ACCOUNT MAILBOX ID",
    options: { "secure-password-env": value("VAR"), json: flag(), ...storeOption },
    notes: `the ${kind === "decrypt" ? "Decrypt" : "Encrypt"} button (replaces the stored message)`,
    async run({ options, positionals }, io) {
      const password = await readSecret(io, {
        flag: "secure-password-env",
        variable: options["secure-password-env"],
        label: "Secure Mail Password",
      });
      return withStore(options.store, io, async (store) => {
        const { account, mailbox, message } = await oneMessage(store, positionals);
        // One transaction each: the stored message is replaced by its other form, never lost or doubled.
        const result =
          kind === "decrypt"
            ? await store.messageCrypto.decryptInPlace(account.id, message.id, password)
            : await store.messageCrypto.encryptInPlace(account.id, message.id, password);
        if (options.json) json(io, messageJson(result, mailbox.name));
        else io.stdout(`${kind === "decrypt" ? "decrypted" : "encrypted"} in place (new id ${result.id})\n`);
        return 0;
      });
    },
  });
}

const append = command({
  name: "message append",
  args: "ACCOUNT MAILBOX FILE...",
  expect: "ACCOUNT MAILBOX FILE...",
  options: { json: flag(), ...storeOption },
  notes: "stores .eml files exactly as they are (no rules)",
  async run({ options, positionals: [address, mailboxName, ...files] }, io) {
    return withStore(options.store, io, async (store) => {
      const account = await store.accounts.require(address);
      const mailbox = await store.mailboxes.require(account.id, mailboxName);
      for (const file of files) {
        const raw = await readInputFile(file);
        if (raw.length === 0) throw new AbortError(`${file} is empty: no message to append`, "empty");
        // One transaction per file: what was appended before a failure stays appended.
        const stored = await store.messages.append(account.id, mailbox.id, raw);
        if (options.json) json(io, messageJson(stored, mailbox.name));
      }
      if (!options.json)
        io.stdout(`appended ${files.length} message${files.length === 1 ? "" : "s"} to ${mailbox.name}\n`);
      return 0;
    });
  },
});

/** `sealbox message list|show|flag|move|copy|delete|decrypt|encrypt|encrypt-all|decrypt-all|append`. */
export const entry = group("message", {
  list,
  show,
  flag: flagMessage,
  move: transfer("move"),
  copy: transfer("copy"),
  delete: remove,
  decrypt: inPlace("decrypt"),
  encrypt: inPlace("encrypt"),
  "encrypt-all": bulkCommand("encrypt"),
  "decrypt-all": bulkCommand("decrypt"),
  // After Renew: encrypted mail of the folder moved to the current key (Re-encrypt Stored Mail).
  "re-encrypt-all": bulkCommand("re-encrypt"),
  append,
});
