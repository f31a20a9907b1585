import { cipherByName } from "@sealbox/core";
import { command } from "../command.js";
import { UsageError } from "../errors.js";
import { flag, value } from "../options.js";
import { json } from "../support/output.js";
import { readSecret } from "../support/secret.js";
import { spoolStdin } from "../support/spool-stdin.js";
import { storeOption, withStore } from "../support/store.js";

/** `sealbox send`: the Send, Send Signed and Send Encrypted buttons, for scripts. */
export const entry = command({
  name: "send",
  args: "ACCOUNT",
  expect: "one ACCOUNT",
  options: {
    sign: flag(),
    encrypt: flag(),
    cipher: value("NAME"),
    "secure-password-env": value("VAR"),
    json: flag(),
    ...storeOption,
  },
  notes:
    "< message.eml. Signs with the account's current key (needs the Secure Mail Password)\n" +
    "and/or encrypts to every recipient and the sender; stores the Sent copy, delivers to\n" +
    "local recipients and queues the rest.",
  async run({ options, positionals: [address] }, io) {
    const cipher = options.cipher === undefined ? undefined : cipherByName(options.cipher)?.name;
    if (options.cipher !== undefined && !cipher) throw new UsageError(`unknown cipher "${options.cipher}"`);
    const { sign } = options;
    const securePassword = sign
      ? await readSecret(io, {
          flag: "secure-password-env",
          variable: options["secure-password-env"],
          label: "Secure Mail Password",
        })
      : undefined;
    // Spooled (encrypted on disk when large), then read in chunks for each copy made.
    const message = await spoolStdin(io, "no message on standard input");
    try {
      return await withStore(options.store, io, async (store) => {
        const account = await store.accounts.require(address);
        const result = await store.send(account.id, message, {
          sign,
          encrypt: options.encrypt,
          ...(cipher ? { cipher } : {}),
          ...(securePassword !== undefined ? { securePassword } : {}),
        });
        if (options.json) json(io, result);
        else {
          io.stdout(
            `sent (${result.security}${result.cipher ? `, ${result.cipher}` : ""}); Sent copy ${result.sentId}\n`,
          );
          for (const l of result.local) io.stdout(`  delivered to ${l.address}\n`);
          for (const q of result.queued)
            io.stdout(`  queued for ${q.recipients.join(", ")} (job ${q.jobId})\n`);
        }
        return 0;
      });
    } finally {
      await message.remove();
    }
  },
});
