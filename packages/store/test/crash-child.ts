/**
 * The child process the crash test kills with SIGKILL: it repeats move, copy and rule
 * delivery as fast as it can against the store at argv[2] until it dies. Every operation
 * is one transaction; the parent checks that the kill left each message once, old or new.
 */
import { silentLogger } from "../src/logger.js";
import { openStore } from "../src/open-store.js";

const [url, base, address] = process.argv.slice(2) as [string, string, string];
const store = await openStore(url, { base, logger: silentLogger });
const account = await store.accounts.require(address);
const a = await store.mailboxes.require(account.id, "A");
const b = await store.mailboxes.require(account.id, "B");
const copies = await store.mailboxes.require(account.id, "Copies");
process.stdout.write("ready\n");
for (let i = 0; ; i++) {
  const inA = await store.listMessages(account.id, a.id, { limit: 5 });
  const inB = await store.listMessages(account.id, b.id, { limit: 5 });
  for (const m of inA.messages) await store.messages.move(account.id, m.id, b.id);
  for (const m of inB.messages) await store.messages.move(account.id, m.id, a.id);
  const first = inA.messages[0] ?? inB.messages[0];
  if (first) await store.messages.copy(account.id, first.id, copies.id);
  await store.deliver(
    account,
    Buffer.from(
      `Message-ID: <crash-${process.pid}-${i}@test>\r\nSubject: twice\r\n\r\n${"x".repeat(4096)}\r\n`,
    ),
  );
}
