/**
 * The child process the bulk crash test kills with SIGKILL: Encrypt All over one mailbox
 * with the Secure Mail Password from $SMP, printing "progress N" after each message.
 *
 *   bulk-crash-child.ts URL BASE ADDRESS MAILBOX_ID
 */

import { silentLogger } from "../src/logger.js";
import { openStore } from "../src/open-store.js";

const [url, base, address, mailboxId] = process.argv.slice(2) as [string, string, string, string];
const store = await openStore(url, { base, logger: silentLogger });
const account = await store.accounts.require(address);
const { finished } = await store.bulk.start(account.id, mailboxId, "encrypt", process.env.SMP ?? "", {
  onMessage: (e) => {
    process.stdout.write(`progress ${e.run.done}\n`);
  },
});
await finished;
// Finishing before the kill would leave nothing for the parent to check: keep the process.
process.stdout.write("finished\n");
await new Promise(() => {});
