import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultStoreUrl, openStore, resolveServerSecret, type Store, silentLogger } from "@sealbox/store";

export const DOMAIN = "tui.example";
export const ALICE = `alice@${DOMAIN}`;
export const BOB = `bob@${DOMAIN}`;
export const LOGIN_PASSWORD = "alice login password";
export const SECURE_PASSWORD = "alice secure mail password";
export const BOB_SECURE_PASSWORD = "bob secure mail password";
export const SECRET_SUBJECT = "Quarterly figures";
export const SECRET_TEXT = "The numbers are in the attachment of the next message.";

/** Cheap login-password hashing for tests that are not about it (the format is the same). */
const TEST_SCRYPT = { logN: 10, r: 8, p: 1 };

/** The store a data folder's `sealbox` opens by default, opened the way the CLI opens it. */
export function openHomeStore(home: string): Promise<Store> {
  return openStore(defaultStoreUrl(home), {
    base: home,
    logger: silentLogger,
    passwordHashing: TEST_SCRYPT,
    serverSecret: resolveServerSecret({ secret: undefined, dataFolder: home }),
  });
}

/**
 * A data folder with Alice (a Secure Mail key from the server CA) and Bob (another), and in
 * Alice's INBOX: `plain` ordinary messages, then, newest, a message Bob sent her signed and
 * encrypted through store's send (the web's Send Signed + Send Encrypted). With `hideSubject`
 * the domain hides the subject of encrypted mail: the listing reads "[...]" until it is opened.
 */
export async function seedHome(
  options: { plain?: number; hideSubject?: boolean } = {},
): Promise<{ home: string; inboxCount: number }> {
  const home = mkdtempSync(join(tmpdir(), "sealbox-tui-"));
  const store = await openHomeStore(home);
  try {
    const { account: alice } = await store.accounts.add(ALICE, {
      password: LOGIN_PASSWORD,
      realName: "Alice Reader",
      createDomain: true,
    });
    const { account: bob } = await store.accounts.add(BOB, { password: "bob login", realName: "Bob Sender" });
    await store.secureMail.generate(alice.id, SECURE_PASSWORD);
    await store.secureMail.generate(bob.id, BOB_SECURE_PASSWORD);
    const plain = options.plain ?? 2;
    const inbox = await store.mailboxes.require(alice.id, "INBOX");
    for (let i = 0; i < plain; i++)
      await store.messages.append(
        alice.id,
        inbox.id,
        Buffer.from(
          `From: Carol <carol@elsewhere.example>\r\nTo: ${ALICE}\r\nSubject: Plain note ${i + 1}\r\n` +
            `Date: ${new Date(Date.UTC(2026, 0, 1 + i)).toUTCString()}\r\n\r\nHello number ${i + 1}.\r\n`,
        ),
      );
    if (options.hideSubject) await store.domains.set(DOMAIN, { hideSubjectWhenEncrypting: true });
    await store.composer.send(
      bob.id,
      { to: ALICE, subject: SECRET_SUBJECT, text: SECRET_TEXT },
      { sign: true, encrypt: true, access: BOB_SECURE_PASSWORD },
    );
    return { home, inboxCount: plain + 1 };
  } finally {
    await store.close();
  }
}
