/**
 * The child process the crash tests kill with SIGKILL. It repeats one family of use-cases
 * as fast as it can against the store at argv[3] until it dies; every operation is one
 * transaction, and the parent checks that the kill left each message once, old or new.
 *
 *   crash-child.ts move   URL BASE ADDRESS            move, copy and rule delivery
 *   crash-child.ts secure URL BASE ADDRESS PASSWORD   Decrypt/Encrypt in place over the
 *                                                     "Vault" mailbox ("swapped" on stdout
 *                                                     after each), and Store Encrypted
 *                                                     delivery ("acked ID" after each commit)
 */

import { storeInternals } from "../src/internals.js";
import { silentLogger } from "../src/logger.js";
import { openStore } from "../src/open-store.js";
import { messageCryptoUseCases } from "../src/secure-mail/message-crypto.js";
import { sealedDelivery, verifiedOnce } from "./crash-support.js";

const [mode, url, base, address, password] = process.argv.slice(2) as [
  "move" | "secure",
  string,
  string,
  string,
  string | undefined,
];
const store = await openStore(url, { base, logger: silentLogger });
const account = await store.accounts.require(address);

if (mode === "move") {
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
} else {
  if (password === undefined) throw new Error("secure mode needs the Secure Mail Password");
  // The product checks the password (PBKDF2, ~150 ms) on every Decrypt/Encrypt; this child
  // checks it once for real and then reuses that verified key list (crash-support.ts), so
  // it does hundreds of swaps a second instead of a few — the transactions are unchanged.
  const crypto = messageCryptoUseCases(
    storeInternals(store).context,
    await verifiedOnce(store.secureMail, account.id, password),
  );
  const vault = await store.mailboxes.require(account.id, "Vault");
  process.stdout.write("ready\n");
  for (let i = 0; ; i++) {
    const page = await store.listMessages(account.id, vault.id, { limit: 100 });
    // Two children work on the same messages: start at different points, and expect to lose races.
    const start = (process.pid + i) % Math.max(1, page.messages.length);
    for (const m of [...page.messages.slice(start), ...page.messages.slice(0, start)]) {
      try {
        if (m.security === "encrypted") await crypto.decryptInPlace(account.id, m.id, password);
        else await crypto.encryptInPlace(account.id, m.id, password);
        process.stdout.write("swapped\n");
      } catch (error) {
        if ((error as { code?: string }).code !== "not-found") throw error;
      }
    }
    const messageId = `<sealed-${process.pid}-${i}@test>`;
    await store.deliver(account, sealedDelivery(messageId));
    process.stdout.write(`acked ${messageId}\n`);
  }
}
