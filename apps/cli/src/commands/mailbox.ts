import { command, group } from "../command.js";
import { flag } from "../options.js";
import { json, table } from "../support/output.js";
import { storeOption, withStore } from "../support/store.js";

/** `sealbox mailbox list|create|rename|delete|export`. */
const list = command({
  name: "mailbox list",
  args: "ACCOUNT",
  options: { json: flag(), ...storeOption },
  async run({ options, positionals: [address] }, io) {
    return withStore(options.store, io, async (store) => {
      const account = await store.accounts.require(address);
      const boxes = await store.mailboxes.list(account.id);
      if (options.json)
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
      return 0;
    });
  },
});

const create = command({
  name: "mailbox create",
  args: "ACCOUNT NAME",
  options: { ...storeOption },
  async run({ options, positionals: [address, name] }, io) {
    return withStore(options.store, io, async (store) => {
      const account = await store.accounts.require(address);
      io.stdout(`created mailbox ${(await store.mailboxes.create(account.id, name)).name}\n`);
      return 0;
    });
  },
});

const rename = command({
  name: "mailbox rename",
  args: "ACCOUNT NAME NEW-NAME",
  options: { ...storeOption },
  async run({ options, positionals: [address, name, newName] }, io) {
    return withStore(options.store, io, async (store) => {
      const account = await store.accounts.require(address);
      const renamed = await store.mailboxes.rename(account.id, name, newName);
      io.stdout(`renamed to ${renamed.name}\n`);
      return 0;
    });
  },
});

const remove = command({
  name: "mailbox delete",
  args: "ACCOUNT NAME",
  options: { ...storeOption },
  notes: "deletes the messages in it too",
  async run({ options, positionals: [address, name] }, io) {
    return withStore(options.store, io, async (store) => {
      const account = await store.accounts.require(address);
      await store.mailboxes.remove(account.id, name);
      io.stdout(`deleted mailbox ${name}\n`);
      return 0;
    });
  },
});

const exportMailbox = command({
  name: "mailbox export",
  args: "ACCOUNT MAILBOX",
  options: { ...storeOption },
  notes:
    "> mailbox.mbox. Every message of the mailbox, oldest first, as one mboxrd file (what\n" +
    "Thunderbird, mutt and formail read): the stored bytes, encrypted mail still encrypted.\n" +
    "Streamed a chunk at a time, however large the messages.",
  async run({ options, positionals: [address, name] }, io) {
    return withStore(options.store, io, async (store) => {
      const account = await store.accounts.require(address);
      const mailbox = await store.mailboxes.require(account.id, name);
      for await (const chunk of await store.messages.exportMbox(account.id, mailbox.id)) io.stdout(chunk);
      return 0;
    });
  },
});

export const entry = group("mailbox", { list, create, rename, delete: remove, export: exportMailbox });
