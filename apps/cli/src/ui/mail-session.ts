import type {
  Account,
  BulkKind,
  BulkMessageEvent,
  ComposeAttachment,
  ComposeInput,
  LockState,
  Store,
} from "@sealbox/store";
import { loginRefusal } from "@sealbox/store/words";

/** What the login form shows for each refusal: the web's words. */
export type SignInResult = { ok: true; session: MailSession } | { ok: false; message: string };

/**
 * Signs in through the same login guard as the web (per account and per client address) and
 * opens a session row, so the terminal's unlock lives where the web's does: wrapped under a
 * token only this process holds, deleted on logout.
 */
export async function signIn(
  store: Store,
  address: string,
  password: string,
  client: string,
): Promise<SignInResult> {
  const result = await store.login(address, password, { client });
  if (!result.ok) {
    return { ok: false, message: loginRefusal(result) };
  }
  const { token } = await store.sessions.create(result.account.id, { client });
  return { ok: true, session: mailSession(store, token, result.account) };
}

const LOCKED: LockState = { hasKey: false, unlocked: false, expiresAt: null, lifetimeSeconds: 0 };

/**
 * One signed-in terminal session: every screen reaches the store through these calls, each a
 * store use-case the web's routers call too, scoped to this account and this session's unlock.
 */
export function mailSession(store: Store, token: string, account: Account) {
  const id = account.id;
  const access = { sessionToken: token };
  const smime = account.smimeEnabled;
  return {
    account,
    lockState: (): Promise<LockState> =>
      smime ? store.secureMail.lockState(id, token) : Promise.resolve(LOCKED),
    unlock: (password: string) => store.secureMail.unlock(id, token, password),
    lock: () => store.secureMail.lock(id, token),
    logout: () => store.sessions.end(token),

    mailboxes: () => store.mailboxes.list(id),
    page: (mailboxId: string, limit: number, cursor: string | null) =>
      store.listMessages(id, mailboxId, { limit, ...(cursor ? { cursor } : {}) }),
    read: (messageId: string) =>
      store.reading.read(id, messageId, { ...(smime ? { access } : {}), domain: account.domain }),
    markSeen: (messageId: string) => store.messages.setFlags(id, messageId, { seen: true }),
    decrypt: (messageId: string) => store.messageCrypto.decryptInPlace(id, messageId, access),
    encrypt: (messageId: string) => store.messageCrypto.encryptInPlace(id, messageId, access),
    takeCertificate: (messageId: string, layer: number, index: number, confirm: boolean) =>
      store.reading.takeCertificate(
        id,
        messageId,
        { layer, index },
        { access, ...(confirm ? { confirm: true } : {}) },
      ),

    recipients: (fields: { to: string; cc: string; bcc: string }) =>
      store.composer.recipientCertificates(id, fields),
    send: (input: ComposeInput & { attachments: ComposeAttachment[] }, sign: boolean, encrypt: boolean) =>
      store.composer.send(id, input, {
        sign: sign && smime,
        encrypt: encrypt && smime,
        ...(sign || encrypt ? { access } : {}),
      }),
    /** Addresses to complete recipients from: the address books, then the domain's directory. */
    async knownAddresses(): Promise<Array<{ address: string; name: string; certificate: boolean }>> {
      const out = new Map<string, { address: string; name: string; certificate: boolean }>();
      for (const book of await store.addressBooks.list(id))
        for (const c of await store.contacts.list(id, book.id))
          if (!out.has(c.email.toLowerCase()))
            out.set(c.email.toLowerCase(), { address: c.email, name: c.name, certificate: c.hasCertificate });
      for (const d of await store.listDirectory(account.domain))
        if (!out.has(d.address.toLowerCase()))
          out.set(d.address.toLowerCase(), { address: d.address, name: d.realName, certificate: true });
      return [...out.values()];
    },

    startBulk: (mailboxId: string, kind: BulkKind, onMessage: (event: BulkMessageEvent) => void) =>
      store.bulk.start(id, mailboxId, kind, access, { onMessage }),
    cancelBulk: (runId: string) => store.bulk.cancel(id, runId),

    secureMailStatus: () => store.secureMail.status(id),
    importPfx: (pfx: Uint8Array, filePassword: string, securePassword: string) =>
      store.secureMail.importPfx(id, pfx, filePassword, securePassword),
    generate: (securePassword: string) => store.secureMail.generate(id, securePassword),
    exportPfx: (filePassword: string, legacy: boolean) =>
      store.secureMail.exportPfx(id, access, filePassword, { legacy }),
    changePassword: (newPassword: string) => store.secureMail.changePassword(id, access, newPassword),
    async removeKey(pfx: Uint8Array, filePassword: string) {
      await store.secureMail.remove(id, pfx, filePassword);
      await store.secureMail.lock(id, token);
    },

    addressBooks: () => store.addressBooks.list(id),
    contacts: (bookId: string) => store.contacts.list(id, bookId),
    rules: () => store.rules.list({ accountId: id }),
    domainRules: () => store.rules.list({ domainId: account.domainId }),
  };
}

export type MailSession = ReturnType<typeof mailSession>;
