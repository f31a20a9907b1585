import type { Store } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "./app";
import { callerFor, signedIn, testStore } from "./test-support";

/** Procedures anyone may call: signing in, and the server's version for the status line. */
const PUBLIC = new Set(["auth.login", "system.info"]);

interface Objects {
  messageId: string;
  mailboxId: string;
  bookId: string;
  contactId: string;
  certificateId: string;
  ruleId: string;
  /** A rule of the victim's domain, and the domain (its rules are for its administrators). */
  domainRuleId: string;
  domain: string;
  /** The victim's account address (admin procedures name accounts by it). */
  address: string;
  /** An Encrypt All / Decrypt All run of the victim's. */
  bulkRunId: string;
}

/**
 * For every procedure, the inputs an attacker would try: the ids of objects that belong to
 * the victim (alone, and mixed with the caller's own where a call takes two). A procedure
 * that takes no object id gets {} (or its minimal valid input) and must not return anything
 * of the victim's. A new procedure without a line here fails the matrix.
 */
const INPUTS: Record<string, (victim: Objects, own: Objects) => unknown[]> = {
  "auth.logout": () => [undefined],
  "auth.me": () => [undefined],
  "mail.mailboxes": () => [undefined],
  "mail.createMailbox": () => [{ name: "Stolen" }],
  "mail.list": (v) => [{ mailboxId: v.mailboxId }],
  "mail.read": (v) => [{ messageId: v.messageId }],
  "mail.setSeen": (v) => [{ messageId: v.messageId, seen: false }],
  "mail.move": (v, o) => [
    { messageId: v.messageId, mailboxId: o.mailboxId },
    { messageId: o.messageId, mailboxId: v.mailboxId },
  ],
  "mail.delete": (v) => [{ messageId: v.messageId }],
  "mail.decrypt": (v) => [{ messageId: v.messageId }],
  "mail.encrypt": (v) => [{ messageId: v.messageId }],
  "mail.takeCertificate": (v) => [{ messageId: v.messageId, layer: 0, signer: 0 }],
  "bulk.start": (v) => [
    { mailboxId: v.mailboxId, kind: "encrypt" },
    { mailboxId: v.mailboxId, kind: "re-encrypt" },
  ],
  "bulk.run": (v) => [{ runId: v.bulkRunId }],
  "bulk.latest": (v) => [{ mailboxId: v.mailboxId }],
  "bulk.cancel": (v) => [{ runId: v.bulkRunId }],
  "secureMail.state": () => [undefined],
  "secureMail.unlock": () => [{ password: "victim's Secure Mail Password" }],
  "secureMail.lock": () => [undefined],
  "secureMail.status": () => [undefined],
  "secureMail.importPfx": () => [
    { pfx: "AAAA", filePassword: "x", newPassword: "12345678", reenterPassword: "12345678" },
  ],
  "secureMail.generate": () => [{ newPassword: "12345678", reenterPassword: "12345678" }],
  "secureMail.changePassword": () => [{ newPassword: "12345678", reenterPassword: "12345678" }],
  "secureMail.renew": () => [{ password: "victim's Secure Mail Password" }],
  "secureMail.exportPfx": () => [{ filePassword: "abc", verifyPassword: "abc" }],
  "secureMail.remove": () => [{ pfx: "AAAA", filePassword: "x" }],
  "compose.send": (v) => [
    { to: "victim@victim.example", subject: "x", text: "x" },
    // Sending "from a draft" removes that draft: never someone else's message.
    { to: "x@y.example", subject: "x", text: "x", draftId: v.messageId },
  ],
  "compose.saveDraft": (v) => [{ to: "x@y.example", subject: "x", text: "x", replaceId: v.messageId }],
  "compose.recipients": () => [{ to: "victim@victim.example", cc: "", bcc: "" }],
  "contacts.books": () => [undefined],
  "contacts.createBook": () => [{ name: "Stolen" }],
  "contacts.selectBook": (v) => [{ bookId: v.bookId }],
  "contacts.list": (v) => [{ bookId: v.bookId }],
  "contacts.add": (v) => [{ bookId: v.bookId, name: "Eve", email: "eve@evil.example" }],
  "contacts.update": (v) => [{ contactId: v.contactId, name: "Eve", email: "eve@evil.example" }],
  "contacts.remove": (v) => [{ contactId: v.contactId }],
  "contacts.certificates": (v) => [{ contactId: v.contactId }],
  "contacts.importCertificate": (v) => [{ contactId: v.contactId, file: "AAAA" }],
  "contacts.removeCertificate": (v) => [{ certificateId: v.certificateId }],
  "settings.get": () => [undefined],
  // Another account's address is never yours to send as.
  "settings.setGeneral": () => [{ realName: "Eve", fromAddress: "alice@victim.example" }],
  "settings.setCompose": () => [
    { encryptionMethod: "AES-256-CBC", alwaysSign: true, encryptWhenPossible: true },
  ],
  "settings.changePassword": () => [
    { currentPassword: "victim's login password", newPassword: "new pw", reenterPassword: "new pw" },
  ],
  "rules.list": (v) => [{}, { domain: v.domain }],
  "rules.domains": () => [undefined],
  "rules.save": (v) => [
    { rule: { name: "Mine", priority: 5, conditions: [], actions: [{ action: "Discard" }] } },
    { id: v.ruleId, rule: { name: "Stolen", priority: 1, conditions: [], actions: [{ action: "Discard" }] } },
    {
      domain: v.domain,
      rule: { name: "Evil", priority: 1, conditions: [], actions: [{ action: "Discard" }] },
    },
    {
      domain: v.domain,
      id: v.domainRuleId,
      rule: { name: "Evil", priority: 1, conditions: [], actions: [{ action: "Discard" }] },
    },
  ],
  "rules.remove": (v) => [{ id: v.ruleId }, { domain: v.domain, id: v.domainRuleId }],
  "rules.move": (v) => [
    { id: v.ruleId, direction: "down" },
    { domain: v.domain, id: v.domainRuleId, direction: "down" },
  ],
  // Administration: refused to users; another domain's admin reaches none of this domain.
  "admin.domains": () => [undefined],
  "admin.domain": (v) => [{ domain: v.domain }],
  "admin.addDomain": () => [{ name: "stolen.example", smimeEnabled: true, directoryEnabled: true }],
  "admin.setDomain": (v) => [{ domain: v.domain, smimeEnabled: false, unlockSeconds: 5 }],
  "admin.accounts": (v) => [{ domain: v.domain }],
  "admin.account": (v) => [{ address: v.address }],
  "admin.addAccount": (v) => [
    { address: `eve@${v.domain}`, realName: "Eve", role: "user", newPassword: "x", reenterPassword: "x" },
  ],
  "admin.setAccount": (v) => [
    { address: v.address, disabled: true },
    { address: v.address, role: "domain-admin", smimeEnabled: false },
  ],
  "admin.setPassword": (v) => [{ address: v.address, newPassword: "stolen", reenterPassword: "stolen" }],
  "admin.keyStatus": (v) => [{ address: v.address }],
  "admin.ca": () => [undefined],
  "admin.installCa": () => [{ pfx: "AAAA", filePassword: "x" }],
  "admin.issued": () => [undefined],
  "admin.revoke": (v) => [{ by: "account", value: v.address, reason: "keyCompromise" }],
  "admin.trustAnchors": (v) => [{ domain: v.domain }],
  "admin.addTrustAnchor": (v) => [{ domain: v.domain, file: "AAAA" }],
  "admin.removeTrustAnchor": (v) => [{ domain: v.domain, sha256: "0".repeat(64) }],
  "admin.directory": (v) => [{ domain: v.domain }],
};

const FAKE: Objects = {
  messageId: "m-fake",
  mailboxId: "b-fake",
  bookId: "k-fake",
  contactId: "c-fake",
  certificateId: "x-fake",
  ruleId: "r-fake",
  domainRuleId: "d-fake",
  domain: "fake.example",
  address: "a-fake@fake.example",
  bulkRunId: "u-fake",
};

/**
 * For each procedure, which of its inputs name none of the victim's objects: those are checked
 * for leaks instead of refusal (one procedure may have both kinds, e.g. compose.send with and
 * without a draftId).
 */
const OWN_SCOPE = new Map(
  Object.entries(INPUTS).map(([name, make]) => [
    name,
    make(FAKE, FAKE).map((input) => {
      const sample = JSON.stringify(input) ?? "";
      return !Object.values(FAKE).some((id) => sample.includes(id));
    }),
  ]),
);

/** The server's own objects: only a server administrator reaches them, never a domain's. */
const SERVER_ADMIN_ONLY = new Set([
  "admin.ca",
  "admin.installCa",
  "admin.issued",
  "admin.revoke",
  "admin.addDomain",
]);

/**
 * Whether a caller must be refused outright, whatever the input names: administration is
 * for administrators, the server's CA and domains for server administrators.
 */
function refusedWhatever(name: string, who: string): boolean {
  if (!name.startsWith("admin.")) return false;
  return who === "sameDomainUser" || SERVER_ADMIN_ONLY.has(name);
}

const REFUSED = new Set(["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "PRECONDITION_FAILED", "BAD_REQUEST"]);

function procedureNames(): Array<{ name: string; type: string }> {
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
  return Object.entries(procedures).map(([name, p]) => ({ name, type: p._def.type }));
}

async function call(caller: unknown, name: string, input: unknown): Promise<unknown> {
  let target = caller as Record<string, unknown>;
  const path = name.split(".");
  for (const part of path.slice(0, -1)) target = target[part] as Record<string, unknown>;
  const fn = target[path[path.length - 1] as string] as (input: unknown) => Promise<unknown>;
  return fn(input);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    const result = await promise;
    return `accepted: ${JSON.stringify(result).slice(0, 200)}`;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

describe("authorization matrix (generated from the router)", () => {
  let store: Store;
  let victim: Objects;
  let own: Objects;
  let victimAddress: string;
  const callers: Record<string, string | null> = {};

  beforeAll(async () => {
    store = await testStore();
    const alice = await signedIn(store, "alice@victim.example");
    victimAddress = alice.account.address;
    const inbox = await store.mailboxes.require(alice.account.id, "INBOX");
    const message = await store.messages.append(
      alice.account.id,
      inbox.id,
      Buffer.from(
        "From: bob@victim.example\r\nTo: alice@victim.example\r\nSubject: private\r\n\r\nsecret body\r\n",
      ),
    );
    const book = await store.addressBooks.selected(alice.account.id);
    const contact = await store.contacts.add(alice.account.id, book.id, {
      name: "Bob",
      email: "bob@victim.example",
    });
    await store.secureMail.generate(alice.account.id, "alice secure password");
    const cert = await store.secureMail.currentCertificate(alice.account.id);
    const withCert = await store.contactCertificates.add(alice.account.id, contact.id, cert!.certificate);
    const [certRow] = await store.contactCertificates.list(alice.account.id, withCert.id);
    const rule = { priority: 1, actions: [{ action: "Store Encrypted in", argument: "INBOX" }] };
    const aliceRule = await store.rules.add({ accountId: alice.account.id }, { name: "Private", ...rule });
    const domainRule = await store.rules.add(
      { domainId: alice.account.domainId },
      { name: "Domain private", ...rule },
    );
    await store.rules.add({ domainId: alice.account.domainId }, { name: "Domain second", ...rule });
    const bulkRun = await (
      await store.bulk.start(alice.account.id, inbox.id, "decrypt", "alice secure password")
    ).finished;
    victim = {
      messageId: message.id,
      mailboxId: inbox.id,
      bookId: book.id,
      contactId: contact.id,
      certificateId: certRow!.id,
      ruleId: aliceRule.id,
      domainRuleId: domainRule.id,
      domain: alice.account.domain,
      address: alice.account.address,
      bulkRunId: bulkRun.id,
    };
    callers.anonymous = null;

    const mallory = await signedIn(store, "mallory@victim.example");
    callers.sameDomainUser = mallory.token;
    const mInbox = await store.mailboxes.require(mallory.account.id, "INBOX");
    const mMessage = await store.messages.append(
      mallory.account.id,
      mInbox.id,
      Buffer.from("From: x@y.example\r\nSubject: mine\r\n\r\nmine\r\n"),
    );
    const mBook = await store.addressBooks.selected(mallory.account.id);
    const mContact = await store.contacts.add(mallory.account.id, mBook.id, {
      name: "M",
      email: "m@y.example",
    });
    const mRule = await store.rules.add(
      { accountId: mallory.account.id },
      { name: "Mine", priority: 5, actions: [{ action: "Discard" }] },
    );
    own = {
      messageId: mMessage.id,
      mailboxId: mInbox.id,
      bookId: mBook.id,
      contactId: mContact.id,
      certificateId: "none",
      ruleId: mRule.id,
      domainRuleId: "none",
      domain: mallory.account.domain,
      address: mallory.account.address,
      bulkRunId: "none",
    };

    const otherAdmin = await signedIn(store, "admin@other.example", "domain-admin");
    callers.otherDomainAdmin = otherAdmin.token;

    const disabled = await signedIn(store, "dave@victim.example");
    await store.accounts.set(disabled.account.address, { disabled: true });
    callers.disabledAccount = disabled.token;
  }, 120_000);

  afterAll(() => store?.close());

  it("has a line for every procedure of the router", () => {
    const missing = procedureNames()
      .map((p) => p.name)
      .filter((n) => !PUBLIC.has(n) && !INPUTS[n]);
    expect(missing, "add these procedures to the authorization matrix").toEqual([]);
  });

  it("refuses every procedure to an anonymous caller and to a disabled account", async () => {
    for (const who of ["anonymous", "disabledAccount"] as const) {
      const { caller } = await callerFor(store, callers[who] ?? null);
      for (const { name } of procedureNames()) {
        if (PUBLIC.has(name)) continue;
        for (const input of INPUTS[name]?.(victim, own) ?? []) {
          expect([name, who, await refusal(call(caller, name, input))]).toEqual([name, who, "UNAUTHORIZED"]);
        }
      }
    }
  });

  it("refuses another account and another domain's admin the victim's objects, and leaks nothing of them", async () => {
    // The domain's name is no secret (every address shows it); the ids are.
    const victimIds = Object.entries(victim)
      .filter(([key]) => key !== "domain")
      .map(([, id]) => id);
    for (const who of ["sameDomainUser", "otherDomainAdmin"] as const) {
      for (const { name } of procedureNames()) {
        if (PUBLIC.has(name)) continue;
        for (const [index, input] of (INPUTS[name]?.(victim, own) ?? []).entries()) {
          // A fresh caller per call: logout ends the session.
          const { caller } = await callerFor(
            store,
            (await store.sessions.create((await store.sessions.resolve(callers[who] as string))!.account.id))
              .token,
          );
          if (OWN_SCOPE.get(name)?.[index] && !refusedWhatever(name, who)) {
            let out = "";
            try {
              out = JSON.stringify((await call(caller, name, input)) ?? null);
            } catch (error) {
              if (!(error instanceof TRPCError)) throw error;
              continue;
            }
            for (const id of victimIds)
              expect(out, `${name} as ${who} returned a victim id`).not.toContain(id);
            expect(out, `${name} as ${who}`).not.toContain(victimAddress);
            expect(out, `${name} as ${who}`).not.toContain("secret body");
          } else {
            const code = await refusal(call(caller, name, input));
            expect(REFUSED.has(code), `${name} as ${who} with ${JSON.stringify(input)}: ${code}`).toBe(true);
          }
        }
      }
    }
    // Nothing of the victim's changed.
    const alice = (await store.accounts.get(victimAddress))!;
    const msg = await store.messages.get(alice.id, victim.messageId);
    expect(msg.mailboxId).toBe(victim.mailboxId);
    const contact = await store.contacts.get(alice.id, victim.contactId);
    expect(contact).toMatchObject({ name: "Bob", email: "bob@victim.example", hasCertificate: true });
    expect((await store.addressBooks.selected(alice.id)).id).toBe(victim.bookId);
    expect((await store.rules.list({ accountId: alice.id })).map((r) => [r.id, r.name, r.priority])).toEqual([
      [victim.ruleId, "Private", 1],
    ]);
    expect((await store.rules.list({ domainId: alice.domainId })).map((r) => [r.name, r.priority])).toEqual([
      ["Domain private", 1],
      ["Domain second", 1],
    ]);
    expect(alice).toMatchObject({ fromSetting: null, alwaysSign: false });
    expect((await store.login(victimAddress, "login pw")).ok).toBe(true);
    expect(alice).toMatchObject({ disabled: false, role: "user", smimeSetting: true });
    expect(await store.domains.require(victim.domain)).toMatchObject({
      smimeEnabled: true,
      unlockSeconds: 180,
    });
    expect(await store.accounts.get(`eve@${victim.domain}`)).toBeUndefined();
    expect(await store.domains.get("stolen.example")).toBeUndefined();
    const aliceCert = await store.secureMail.currentCertificate(alice.id);
    expect(await store.ca.isRevoked(aliceCert!.certificate.sha256)).toBe(false);
  });

  it("refuses every mutation without the session's anti-CSRF token", async () => {
    const { caller } = await callerFor(store, callers.sameDomainUser ?? null, { csrf: false });
    for (const { name, type } of procedureNames()) {
      if (PUBLIC.has(name) || type !== "mutation") continue;
      const [input] = INPUTS[name]?.(own, own) ?? [];
      expect([name, await refusal(call(caller, name, input))]).toEqual([name, "FORBIDDEN"]);
    }
  });
});
