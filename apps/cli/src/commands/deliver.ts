import { type DeliveryResult, StoreError } from "@sealbox/store";
import { command } from "../command.js";
import { AbortError, UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { flag } from "../options.js";
import { json } from "../support/output.js";
import { spoolStdin } from "../support/spool-stdin.js";
import { storeOption, withStore } from "../support/store.js";

function report(io: CliIo, result: DeliveryResult): void {
  for (const copy of result.stored)
    io.stdout(
      `delivered to ${copy.mailbox}${copy.encrypted ? ` (encrypted${copy.cipher ? `, ${copy.cipher}` : ""})` : ""} id ${copy.id}\n`,
    );
  if (result.discarded)
    io.stdout(
      `discarded by rule ${[...new Set(result.actions.filter((a) => a.action === "Discard").map((a) => `"${a.rule}"`))].join(", ")}\n`,
    );
}

const noSuchAccount = (message: string) => new AbortError(message, "no-such-account", "no-such-account");
/** A header block over core's MIME limits: its rules cannot be applied, so it is refused for good. */
const refused = (message: string) => new AbortError(message, "refused", "refused");

/** `sealbox deliver ACCOUNT < message.eml`. */
export const entry = command({
  name: "deliver",
  args: "ACCOUNT",
  expect: "one ACCOUNT",
  options: { json: flag(), ...storeOption },
  notes:
    "< message.eml. Local delivery, like an LDA: runs the domain's and the account's rules\n" +
    "and stores the message in one transaction; exit 0 only after it is committed.\n" +
    "Exit codes (sysexits, as mail servers expect): 0 delivered, 65 message refused for good\n" +
    "(a header block over 256 KB or 1,000 fields: its rules could not be applied), 67 no such\n" +
    "(or disabled) account, 75 temporary failure (the server keeps the message and tries\n" +
    "again), 2 usage.",
  async run({ options, positionals: [address] }, io) {
    if (io.isTTY.stdin)
      throw new UsageError(`the message comes on stdin (sealbox deliver ${address} < message.eml)`);
    const message = await spoolStdin(io, "stdin was empty: no message to deliver");
    try {
      return await withStore(options.store, io, async (store) => {
        const account = await store.accounts.get(address).catch((error: unknown) => {
          if (error instanceof StoreError && error.code === "invalid-argument") return undefined;
          throw error;
        });
        if (!account) throw noSuchAccount(`no account ${address}`);
        let result: DeliveryResult;
        try {
          result = await store.deliver(account, message);
        } catch (error) {
          if (error instanceof StoreError && error.code === "forbidden") throw noSuchAccount(error.message);
          if (error instanceof StoreError && error.field === "header") throw refused(error.message);
          throw error;
        }
        if (options.json) json(io, result);
        else report(io, result);
        return 0;
      });
    } catch (error) {
      if (error instanceof AbortError && error.outcome !== "failed") throw error;
      // Anything else (database busy or down, disk full) is temporary for the mail server:
      // it keeps the message and retries, so nothing is lost.
      throw new AbortError(
        `delivery failed, try again later: ${error instanceof Error ? error.message : String(error)}`,
        "try-later",
        "try-later",
      );
    } finally {
      await message.remove();
    }
  },
});
