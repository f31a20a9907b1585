import type { BulkKind, BulkMessageEvent, BulkRun, Store } from "@sealbox/store";
import { command } from "../command.js";
import { AbortError } from "../errors.js";
import type { CliIo } from "../io.js";
import { flag, value } from "../options.js";
import { json } from "../support/output.js";
import { readSecret } from "../support/secret.js";
import { storeOption, withStore } from "../support/store.js";

/** What one message became, as the JSON lines name it. */
const DONE_WORD: Record<BulkKind, string> = {
  encrypt: "encrypted",
  decrypt: "decrypted",
  "re-encrypt": "re-encrypted",
};

/** "[#######.......] 37 of 200" sized to the terminal; redrawn in place with \r. */
export function progressLine(
  run: Pick<BulkRun, "total" | "done" | "skipped" | "failed">,
  columns = 80,
): string {
  const handled = run.done + run.skipped + run.failed;
  const counts = ` ${handled} of ${run.total}${run.failed ? ` (${run.failed} failed)` : ""}`;
  const width = Math.max(10, Math.min(40, columns - counts.length - 3));
  const filled = run.total === 0 ? width : Math.round((handled / run.total) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]${counts}`;
}

/**
 * `sealbox message encrypt-all|decrypt-all|re-encrypt-all ACCOUNT MAILBOX`: store's bulk run in the
 * foreground. A progress bar on stderr when it is a terminal; with --json one line per
 * message on stdout, then a summary line. Ctrl-C cancels after the message in hand. Exit 0
 * when every selected message was handled without failure, else 1 (the summary says why).
 */
export function bulkCommand(kind: BulkKind) {
  return command({
    name: `message ${kind}-all`,
    args: "ACCOUNT MAILBOX",
    options: { "secure-password-env": value("VAR"), json: flag(), ...storeOption },
    notes:
      "every message of the folder still in the other state, one at a time (Ctrl-C stops after\n" +
      "the message in hand; run again to continue); --json: one line per message, then a summary",
    run: ({ options, positionals: [address, mailboxName] }, io) =>
      runBulk(kind, address, mailboxName, options, io),
  });
}

async function runBulk(
  kind: BulkKind,
  address: string,
  mailboxName: string,
  options: { json: boolean; store: string | undefined; "secure-password-env": string | undefined },
  io: CliIo,
): Promise<number> {
  const asJson = options.json;
  const password = await readSecret(io, {
    flag: "secure-password-env",
    variable: options["secure-password-env"],
    label: "Secure Mail Password",
  });
  const tty = io.isTTY.stderr;
  return withStore(options.store, io, async (store: Store) => {
    const account = await store.accounts.require(address);
    const mailbox = await store.mailboxes.require(account.id, mailboxName);
    let drawn = 0;
    const draw = (run: Pick<BulkRun, "total" | "done" | "skipped" | "failed">) => {
      // At most ten redraws a second (a large folder changes thousands of times), and the last one.
      const last = run.done + run.skipped + run.failed >= run.total;
      if (!tty || (!last && io.now().getTime() - drawn < 100)) return;
      drawn = io.now().getTime();
      io.stderr(`\r${progressLine(run, io.columns())}`);
    };
    const onMessage = (event: BulkMessageEvent) => {
      if (asJson)
        json(io, {
          id: event.messageId,
          newId: event.newId,
          subject: event.subject,
          result: event.result === "done" ? DONE_WORD[kind] : event.result,
          ...(event.error !== undefined ? { error: event.error } : {}),
        });
      draw(event.run);
    };
    const { run, finished } = await store.bulk.start(account.id, mailbox.id, kind, password, { onMessage });
    draw(run);
    let interrupted = false;
    const onSigint = () => {
      if (interrupted) return;
      interrupted = true;
      if (tty) io.stderr("\ncancelling after the message in hand…\n");
      store.bulk.cancel(account.id, run.id).catch(() => {});
    };
    const stopListening = io.onInterrupt(onSigint);
    let end: BulkRun;
    try {
      end = await finished;
    } finally {
      stopListening();
    }
    if (tty) io.stderr("\n");
    if (asJson)
      json(io, {
        summary: true,
        run: end.id,
        state: end.state,
        total: end.total,
        done: end.done,
        skipped: end.skipped,
        failed: end.failed,
        ...(end.error ? { error: end.error } : {}),
      });
    else
      io.stdout(
        `${DONE_WORD[kind]} ${end.done} of ${end.total} messages in ${mailbox.name}` +
          ` (${end.skipped} skipped, ${end.failed} failed)${end.state === "done" ? "" : `; ${end.state}`}\n`,
      );
    if (end.state === "stopped")
      throw new AbortError(`stopped: ${end.error ?? "unknown reason"}; run it again to continue`, "stopped");
    if (end.state === "cancelled") throw new AbortError("cancelled; run it again to continue", "cancelled");
    if (end.failed > 0)
      throw new AbortError(
        `${end.failed} message${end.failed === 1 ? "" : "s"} could not be ${DONE_WORD[kind]} and stayed as they were`,
        "failed",
      );
    return 0;
  });
}
