import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { decryptOuterLayer, type Identity } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../test/backends.js";
import { sealedDelivery } from "../test/crash-support.js";
import { type FreshStore, freshStore, message } from "../test/fresh-store.js";
import type { Account } from "./accounts/accounts.js";
import { storeInternals } from "./internals.js";
import type { Store } from "./open-store.js";

// The child runs TypeScript sources through tsx (a devDependency of this package).
const tsx = createRequire(import.meta.url).resolve("tsx");
const child = fileURLToPath(new URL("../test/crash-child.ts", import.meta.url));
const ROUNDS = 4;

interface Child {
  process: ChildProcess;
  /** "acked <Message-ID>" lines so far: deliveries whose transaction committed. */
  acked: string[];
  /** "swapped" lines so far: Decrypt/Encrypt in place that committed. */
  swaps: number;
}

function start(args: string[]): Promise<Child> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--conditions=@sealbox/source", "--import", tsx, child, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const state: Child = { process: p, acked: [], swaps: 0 };
    let err = "";
    let out = "";
    p.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
    });
    p.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const lines = out.split("\n");
      out = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "ready") resolve(state);
        else if (line.startsWith("acked ")) state.acked.push(line.slice(6));
        else if (line === "swapped") state.swaps++;
      }
    });
    p.once("exit", (code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`crash child exited early (${code}): ${err}`));
    });
  });
}

/** SIGKILL, and wait until the process is gone. */
async function kill(c: Child): Promise<void> {
  if (c.process.exitCode !== null || c.process.signalCode !== null) return;
  const exited = new Promise((r) => c.process.once("exit", r));
  c.process.kill("SIGKILL");
  await exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)("a SIGKILL in the middle of move, copy or deliver on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let account: Account;
  const originals = new Map<string, Buffer>();

  beforeAll(async () => {
    fresh = await freshStore(backend);
    store = fresh.store;
    account = (await store.accounts.add("crash@crash.example", { password: "pw", createDomain: true }))
      .account;
    const a = await store.mailboxes.create(account.id, "A");
    await store.mailboxes.create(account.id, "B");
    await store.mailboxes.create(account.id, "Copies");
    await store.rules.add(
      { accountId: account.id },
      {
        name: "twice",
        actions: [
          { action: "Store in", argument: "X" },
          { action: "Store in", argument: "Y" },
        ],
      },
    );
    for (let i = 0; i < 12; i++) {
      const raw = message(
        { "Message-ID": `<orig-${i}@test>`, Subject: `original ${i}` },
        `${"body ".repeat(200)}${i}\r\n`,
      );
      const m = await store.messages.append(account.id, a.id, raw);
      originals.set(m.id, raw);
    }
  });
  afterAll(() => fresh.cleanup());

  async function check(): Promise<{ moved: number; delivered: number }> {
    const rows = await storeInternals(store)
      .db.selectFrom("messages")
      .innerJoin("mailboxes", "mailboxes.id", "messages.mailbox_id")
      .select(["messages.id", "messages.blob_id", "messages.message_id", "mailboxes.name"])
      .where("mailboxes.account_id", "=", account.id)
      .execute();
    // Every original exists exactly once, in A or B, with its exact bytes.
    for (const [id, raw] of originals) {
      const found = rows.filter((r) => r.id === id);
      expect(found).toHaveLength(1);
      expect(["A", "B"]).toContain(found[0]?.name);
      expect(Buffer.from(await store.messages.raw(account.id, id)).equals(raw)).toBe(true);
    }
    // Copies are whole: each has its own blob, and no blob is orphaned or shared.
    const blobs = await storeInternals(store).db.selectFrom("message_blobs").select("id").execute();
    const referenced = rows.map((r) => r.blob_id);
    expect(new Set(referenced).size).toBe(referenced.length);
    expect(new Set(blobs.map((b) => b.id))).toEqual(new Set(referenced));
    const originalBytes = new Set([...originals.values()].map((b) => b.toString("latin1")));
    for (const r of rows.filter((r) => r.name === "Copies"))
      expect(
        originalBytes.has(Buffer.from(await store.messages.raw(account.id, r.id)).toString("latin1")),
      ).toBe(true);
    // A delivery stored both of its copies or neither.
    const x = rows.filter((r) => r.name === "X").map((r) => r.message_id);
    const y = rows.filter((r) => r.name === "Y").map((r) => r.message_id);
    expect([...x].sort()).toEqual([...y].sort());
    expect(new Set(x).size).toBe(x.length);
    return { moved: rows.filter((r) => r.name === "B").length, delivered: x.length };
  }

  it(`leaves every message exactly once, old or new, across ${ROUNDS} random kills`, async () => {
    let delivered = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const c = await start(["move", fresh.url, fresh.base, account.address]);
      await sleep(50 + Math.random() * 400);
      await kill(c);
      const state = await check();
      // The child did real work before it died (so the kill landed among transactions).
      expect(state.delivered).toBeGreaterThanOrEqual(delivered);
      delivered = state.delivered;
    }
    expect(delivered).toBeGreaterThan(0);
  });
});

const SECURE_ROUNDS = 3;
const PASSWORD = "crash test Secure Mail Password";

describe.each(backends)(
  "a SIGKILL in the middle of Decrypt, Encrypt or Store Encrypted on $name",
  (backend) => {
    let fresh: FreshStore;
    let store: Store;
    let account: Account;
    let keys: Identity[];
    let vaultId: string;
    const originals = new Map<string, Buffer>();

    beforeAll(async () => {
      fresh = await freshStore(backend, { serverSecret: Buffer.from("crash test server secret!") });
      store = fresh.store;
      account = (await store.accounts.add("vault@crash.example", { password: "pw", createDomain: true }))
        .account;
      await store.secureMail.generate(account.id, PASSWORD);
      keys = await store.secureMail.identities(account.id, PASSWORD);
      vaultId = (await store.mailboxes.create(account.id, "Vault")).id;
      await store.rules.add(
        { accountId: account.id },
        {
          name: "seal",
          conditions: [{ field: "Subject", op: "is", value: "sealed*" }],
          actions: [{ action: "Store Encrypted in", argument: "Sealed" }],
        },
      );
      for (let i = 0; i < 10; i++) {
        const raw = message(
          {
            From: "Carol <carol@elsewhere.example>",
            To: "vault@crash.example",
            Subject: `vault ${i}`,
            Date: "Wed, 4 Mar 2026 10:00:00 +0000",
            "Message-ID": `<vault-${i}@test>`,
          },
          `${"plaintext ".repeat(300)}${i}\r\n`,
        );
        await store.messages.append(account.id, vaultId, raw, { flags: i % 2 ? ["flagged"] : [] });
        originals.set(`<vault-${i}@test>`, raw);
      }
    }, 60_000);
    afterAll(() => fresh.cleanup());

    /** The stored bytes of a message, decrypted when they are the encrypted form. */
    async function plaintextOf(id: string, security: string): Promise<Buffer> {
      const raw = await store.messages.raw(account.id, id);
      if (security === "plain") return Buffer.from(raw);
      expect(security).toBe("encrypted");
      return Buffer.from((await decryptOuterLayer(raw, { identities: keys })).message);
    }

    async function check(acked: readonly string[]): Promise<{ encrypted: number; sealed: number }> {
      const rows = await storeInternals(store)
        .db.selectFrom("messages")
        .innerJoin("mailboxes", "mailboxes.id", "messages.mailbox_id")
        .select([
          "messages.id",
          "messages.blob_id",
          "messages.message_id",
          "messages.security",
          "messages.flagged",
          "mailboxes.name",
        ])
        .where("mailboxes.account_id", "=", account.id)
        .execute();
      // Every Vault message exists exactly once, plain or encrypted, and is the original
      // byte for byte (after decrypting), with its flags.
      const vault = rows.filter((r) => r.name === "Vault");
      expect(vault.map((r) => r.message_id).sort()).toEqual([...originals.keys()].sort());
      for (const r of vault) {
        expect((await plaintextOf(r.id, r.security)).equals(originals.get(r.message_id ?? "")!)).toBe(true);
        expect(Number(r.flagged)).toBe(Number(r.message_id?.match(/\d+/)?.[0]) % 2);
      }
      // Store Encrypted: every acknowledged delivery is there exactly once, encrypted; the
      // one a kill interrupted is there once or not at all. Nothing went to INBOX in clear.
      const sealed = rows.filter((r) => r.name === "Sealed");
      const ids = sealed.map((r) => r.message_id ?? "");
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of acked) expect(ids).toContain(id);
      for (const r of sealed) {
        expect(r.security).toBe("encrypted");
        expect((await plaintextOf(r.id, r.security)).equals(sealedDelivery(r.message_id ?? ""))).toBe(true);
      }
      expect(rows.filter((r) => !["Vault", "Sealed"].includes(r.name))).toEqual([]);
      // No blob is orphaned or shared.
      const blobs = await storeInternals(store).db.selectFrom("message_blobs").select("id").execute();
      expect(new Set(blobs.map((b) => b.id))).toEqual(new Set(rows.map((r) => r.blob_id)));
      expect(blobs).toHaveLength(rows.length);
      return { encrypted: vault.filter((r) => r.security === "encrypted").length, sealed: sealed.length };
    }

    it(`leaves every message exactly once, old or new, across ${SECURE_ROUNDS} rounds of two racing children killed at random`, async () => {
      const acked: string[] = [];
      let swaps = 0;
      let sealed = 0;
      for (let round = 0; round < SECURE_ROUNDS; round++) {
        const args = ["secure", fresh.url, fresh.base, account.address, PASSWORD];
        const children = await Promise.all([start(args), start(args)]);
        await sleep(100 + Math.random() * 500);
        await kill(children[0]!);
        await sleep(Math.random() * 150);
        await kill(children[1]!);
        acked.push(...children.flatMap((c) => c.acked));
        swaps += children.reduce((n, c) => n + c.swaps, 0);
        const state = await check(acked);
        expect(state.sealed).toBeGreaterThanOrEqual(sealed);
        sealed = state.sealed;
      }
      // The children did real work, so the kills landed among transactions.
      console.info(
        `${backend.name}: ${swaps} in-place swaps and ${acked.length} sealed deliveries committed`,
      );
      expect(acked.length).toBeGreaterThan(0);
      expect(swaps).toBeGreaterThan(SECURE_ROUNDS * 10);
    }, 60_000);
  },
);
