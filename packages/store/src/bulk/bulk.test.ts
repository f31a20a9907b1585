import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { decryptOuterLayer, type Identity, isCoreError } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import { silentLogger } from "../logger.js";
import { openStore, type Store } from "../open-store.js";
import type { BulkMessageEvent } from "./bulk.js";
import { STALE_AFTER_MS } from "./bulk-runs.js";

const SECRET = Buffer.from("bulk run test server secret, long enough");
const PW = "bulk secure mail password";

// The crash child runs TypeScript sources through tsx (a devDependency of this package).
const tsx = createRequire(import.meta.url).resolve("tsx");
const child = fileURLToPath(new URL("../../test/bulk-crash-child.ts", import.meta.url));

const subjectOf = (i: number) => `bulk ${String(i).padStart(3, "0")}`;
const sealed = (security: string) => security === "encrypted" || security === "signed+encrypted";

describe.each(backends)("bulk Encrypt All / Decrypt All / re-encrypt on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let account: Account;
  let folders = 0;

  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: SECRET });
    store = fresh.store;
    account = (await store.accounts.add("bulk@bulk.example", { password: "pw", createDomain: true })).account;
    await store.secureMail.generate(account.id, PW);
  }, 60_000);
  afterAll(() => fresh.cleanup());

  /** A new folder with `n` messages, subjects "bulk 000"…; returns its id and the raw bytes by subject. */
  async function folder(n: number, body = "Hello.\r\n") {
    const box = await store.mailboxes.create(account.id, `Bulk ${++folders}`);
    const raw = new Map<string, Buffer>();
    for (let i = 0; i < n; i++) {
      const bytes = message(
        { From: "carol@elsewhere.example", To: "bulk@bulk.example", Subject: subjectOf(i) },
        `${body}${i}\r\n`,
      );
      raw.set(subjectOf(i), bytes);
      await store.messages.append(account.id, box.id, bytes);
    }
    return { id: box.id, raw };
  }

  /** Every message once (by subject), each either encrypted or not: returns how many are encrypted. */
  async function exactlyOnce(mailboxId: string, n: number): Promise<{ encrypted: number; plain: number }> {
    const page = await store.listMessages(account.id, mailboxId, { limit: 1000 });
    const subjects = page.messages.map((m) => m.subject).sort();
    expect(subjects).toEqual(Array.from({ length: n }, (_, i) => subjectOf(i)));
    for (const m of page.messages) expect(["plain", "encrypted"]).toContain(m.security);
    const encrypted = page.messages.filter((m) => sealed(m.security)).length;
    return { encrypted, plain: n - encrypted };
  }

  const session = async () => {
    const { token } = await store.sessions.create(account.id);
    await store.secureMail.unlock(account.id, token, PW);
    return token;
  };

  it("Encrypt All then Decrypt All: every message changed once, in place, with counts and one event each", async () => {
    const box = await folder(12);
    const events: BulkMessageEvent[] = [];
    const { run, finished } = await store.bulk.start(account.id, box.id, "encrypt", PW, {
      onMessage: (e) => {
        events.push(e);
      },
    });
    expect(run).toMatchObject({ state: "running", kind: "encrypt", total: 12, done: 0 });
    const end = await finished;
    expect(end).toMatchObject({ state: "done", total: 12, done: 12, skipped: 0, failed: 0, error: null });
    expect(end.finishedAt).not.toBeNull();
    expect(events.map((e) => e.result)).toEqual(Array(12).fill("done"));
    expect(events.map((e) => e.run.done)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.subject)).size).toBe(12);
    expect(await exactlyOnce(box.id, 12)).toEqual({ encrypted: 12, plain: 0 });
    expect(await store.bulk.latest(account.id, box.id)).toMatchObject({ id: run.id, state: "done" });

    // Nothing left to encrypt: a second run selects nothing.
    expect(await (await store.bulk.start(account.id, box.id, "encrypt", PW)).finished).toMatchObject({
      state: "done",
      total: 0,
    });

    const back = await (await store.bulk.start(account.id, box.id, "decrypt", PW)).finished;
    expect(back).toMatchObject({ state: "done", total: 12, done: 12 });
    expect(await exactlyOnce(box.id, 12)).toEqual({ encrypted: 0, plain: 12 });
    // The stored bytes come back exactly.
    for (const m of (await store.listMessages(account.id, box.id, { limit: 100 })).messages)
      expect(Buffer.from(await store.messages.raw(account.id, m.id)).equals(box.raw.get(m.subject)!)).toBe(
        true,
      );
  });

  it("Cancel mid-run stops after the message in hand: each message once, encrypted or not; a second run does the rest", async () => {
    const box = await folder(20);
    let runId = "";
    const { run, finished } = await store.bulk.start(account.id, box.id, "encrypt", PW, {
      onMessage: async (e) => {
        if (e.run.done === 5) await store.bulk.cancel(account.id, runId);
      },
    });
    runId = run.id;
    const end = await finished;
    expect(end).toMatchObject({ state: "cancelled", total: 20, done: 5, cancelRequested: true });
    expect(await exactlyOnce(box.id, 20)).toEqual({ encrypted: 5, plain: 15 });

    const rest = await (await store.bulk.start(account.id, box.id, "encrypt", PW)).finished;
    expect(rest).toMatchObject({ state: "done", total: 15, done: 15 });
    expect(await exactlyOnce(box.id, 20)).toEqual({ encrypted: 20, plain: 0 });
  });

  it("a lock mid-run stops it cleanly; after unlocking, a second run continues with what is left", async () => {
    const box = await folder(10);
    const token = await session();
    const { finished } = await store.bulk.start(
      account.id,
      box.id,
      "encrypt",
      { sessionToken: token },
      {
        onMessage: async (e) => {
          if (e.run.done === 4) await store.secureMail.lock(account.id, token);
        },
      },
    );
    const end = await finished;
    expect(end).toMatchObject({ state: "stopped", done: 4, failed: 0 });
    expect(end.error).toMatch(/locked/i);
    expect(await exactlyOnce(box.id, 10)).toEqual({ encrypted: 4, plain: 6 });

    // Locked: nothing starts at all.
    await expect(
      store.bulk.start(account.id, box.id, "encrypt", { sessionToken: token }),
    ).rejects.toMatchObject({ code: "locked" });
    await store.secureMail.unlock(account.id, token, PW);
    const rest = await (await store.bulk.start(account.id, box.id, "encrypt", { sessionToken: token }))
      .finished;
    expect(rest).toMatchObject({ state: "done", total: 6, done: 6 });
    expect(await exactlyOnce(box.id, 10)).toEqual({ encrypted: 10, plain: 0 });
  });

  it("one run per account and folder at a time; runs belong to their account; a wrong password starts nothing", async () => {
    const box = await folder(3);
    const other = await folder(1);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const first = await store.bulk.start(account.id, box.id, "encrypt", PW, { onMessage: () => gate });
    await expect(store.bulk.start(account.id, box.id, "decrypt", PW)).rejects.toMatchObject({
      code: "conflict",
    });
    // Another folder is free.
    expect(await (await store.bulk.start(account.id, other.id, "encrypt", PW)).finished).toMatchObject({
      state: "done",
      done: 1,
    });
    const { account: mallory } = await store.accounts.add("mallory@bulk.example", { password: "pw" });
    await expect(store.bulk.get(mallory.id, first.run.id)).rejects.toMatchObject({ code: "not-found" });
    await expect(store.bulk.cancel(mallory.id, first.run.id)).rejects.toMatchObject({ code: "not-found" });
    await expect(store.bulk.start(mallory.id, box.id, "encrypt", PW)).rejects.toMatchObject({
      code: "not-found",
    });
    release();
    expect(await first.finished).toMatchObject({ state: "done", done: 3 });
    await expect(store.bulk.start(account.id, box.id, "decrypt", "not the password")).rejects.toMatchObject({
      code: "wrong-password",
    });
    expect(await store.bulk.latest(account.id, box.id)).toMatchObject({ id: first.run.id });
  });

  it("a message that cannot be changed is counted failed and left as it was; the run goes on", async () => {
    const box = await folder(3);
    // Encrypted to a key this account does not hold: Decrypt All cannot open it.
    const { account: stranger } = await store.accounts.add("stranger@bulk.example", { password: "pw" });
    await store.secureMail.generate(stranger.id, PW);
    const strangerBox = (await store.mailboxes.require(stranger.id, "INBOX")).id;
    const theirs = await store.messages.append(
      stranger.id,
      strangerBox,
      message({ Subject: subjectOf(3), From: "x@bulk.example" }),
    );
    const sealedForStranger = await store.messageCrypto.encryptInPlace(stranger.id, theirs.id, PW);
    await store.messages.append(
      account.id,
      box.id,
      await store.messages.raw(stranger.id, sealedForStranger.id),
    );
    await (await store.bulk.start(account.id, box.id, "encrypt", PW)).finished;
    const events: BulkMessageEvent[] = [];
    const end = await (
      await store.bulk.start(account.id, box.id, "decrypt", PW, { onMessage: (e) => void events.push(e) })
    ).finished;
    expect(end).toMatchObject({ state: "done", total: 4, done: 3, failed: 1 });
    const failed = events.find((e) => e.result === "failed")!;
    expect(failed.subject).toBe(subjectOf(3));
    expect(failed.error).toBeTruthy();
    expect(await exactlyOnce(box.id, 4)).toEqual({ encrypted: 1, plain: 3 });
  });

  it("a run whose process was killed leaves each message once; it reads as stopped, and a second run continues", async () => {
    const box = await folder(80, `${"filler line for a slower run ".repeat(600)}\r\n`);
    const progress = await new Promise<number>((resolve, reject) => {
      const p: ChildProcess = spawn(
        process.execPath,
        [
          "--conditions=@sealbox/source",
          "--import",
          tsx,
          child,
          fresh.url,
          fresh.base,
          account.address,
          box.id,
        ],
        { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SMP: PW } },
      );
      let seen = 0;
      let err = "";
      p.stderr?.on("data", (c: Buffer) => {
        err += c.toString();
      });
      p.stdout?.on("data", (c: Buffer) => {
        seen += (c.toString().match(/progress/g) ?? []).length;
        if (seen >= 3) p.kill("SIGKILL");
      });
      p.once("exit", (code, signal) =>
        signal === "SIGKILL" ? resolve(seen) : reject(new Error(`child exited ${code}: ${err}`)),
      );
    });
    expect(progress).toBeGreaterThanOrEqual(3);
    const after = await exactlyOnce(box.id, 80);
    expect(after.encrypted).toBeGreaterThanOrEqual(3);
    expect(after.plain).toBeGreaterThan(0);

    // Right after the kill the row still says running (its heartbeat is fresh)...
    const dead = (await store.bulk.latest(account.id, box.id))!;
    expect(dead.state).toBe("running");
    await expect(store.bulk.start(account.id, box.id, "encrypt", PW)).rejects.toMatchObject({
      code: "conflict",
    });
    // ...and once the heartbeat is old, it reads as stopped and a new run may start.
    const later = await openStore(fresh.url, {
      base: fresh.base,
      logger: silentLogger,
      serverSecret: SECRET,
      now: () => Date.now() + STALE_AFTER_MS + 5_000,
    });
    try {
      expect(await later.bulk.get(account.id, dead.id)).toMatchObject({ state: "stopped" });
      expect((await later.bulk.get(account.id, dead.id)).error).toMatch(/interrupted/);
      const rest = await (await later.bulk.start(account.id, box.id, "encrypt", PW)).finished;
      expect(rest).toMatchObject({ state: "done", total: after.plain, done: after.plain, failed: 0 });
      expect(await later.bulk.get(account.id, dead.id)).toMatchObject({ state: "stopped" });
    } finally {
      await later.close();
    }
    expect(await exactlyOnce(box.id, 80)).toEqual({ encrypted: 80, plain: 0 });
  }, 120_000);

  it("closing the store (the server stopping) records its runs as interrupted, so a new run starts at once", async () => {
    const box = await folder(40, `${"filler line for a slower run ".repeat(600)}\r\n`);
    const other = await openStore(fresh.url, {
      base: fresh.base,
      logger: silentLogger,
      serverSecret: SECRET,
    });
    let events = 0;
    const { run, finished } = await other.bulk.start(account.id, box.id, "encrypt", PW, {
      onMessage: () => {
        events++;
      },
    });
    while (events < 2) await new Promise((r) => setTimeout(r, 10));
    await other.close();
    const ended = await finished;
    expect(ended.state).toBe("stopped");
    expect((await store.bulk.get(account.id, run.id)).error).toMatch(/interrupted/);
    const after = await exactlyOnce(box.id, 40);
    expect(after.encrypted).toBeGreaterThanOrEqual(2);
    expect(after.plain).toBeGreaterThan(0);
    // No wait for a heartbeat to go stale: the next run takes what is left.
    const rest = await (await store.bulk.start(account.id, box.id, "encrypt", PW)).finished;
    expect(rest).toMatchObject({ state: "done", done: after.plain, failed: 0 });
    expect(await exactlyOnce(box.id, 40)).toEqual({ encrypted: 40, plain: 0 });
  }, 120_000);

  it("Cancel on a run whose process is gone (no heartbeat for two beats) settles it at once", async () => {
    const box = await folder(2);
    // A run row left behind by a killed process: running, last heartbeat 25 s ago.
    const { run, finished } = await store.bulk.start(account.id, box.id, "encrypt", PW);
    await finished;
    await storeInternals(fresh.store)
      .db.updateTable("bulk_runs")
      .set({ state: "running", finished_at: null, updated_at: Date.now() - 25_000 })
      .where("id", "=", run.id)
      .execute();
    expect((await store.bulk.get(account.id, run.id)).state).toBe("running");
    await expect(store.bulk.start(account.id, box.id, "decrypt", PW)).rejects.toMatchObject({
      code: "conflict",
    });
    expect(await store.bulk.cancel(account.id, run.id)).toMatchObject({ state: "cancelled" });
    expect(await (await store.bulk.start(account.id, box.id, "decrypt", PW)).finished).toMatchObject({
      state: "done",
      done: 2,
    });
  }, 60_000);

  describe("after a renewal", () => {
    let renewed: Account;
    let oldKey: Identity;
    let newKey: Identity;
    let box: string;
    let raw: Map<string, Buffer>;

    beforeAll(async () => {
      renewed = (await store.accounts.add("renewed@bulk.example", { password: "pw" })).account;
      const mallory = (await store.accounts.add("keyless@bulk.example", { password: "pw" })).account;
      await store.secureMail.generate(renewed.id, PW);
      oldKey = (await store.secureMail.identities(renewed.id, PW))[0]!;
      box = (await store.mailboxes.create(renewed.id, "Archive")).id;
      raw = new Map();
      for (let i = 0; i < 6; i++) {
        const bytes = message(
          { From: "carol@elsewhere.example", Subject: subjectOf(i) },
          `archived ${i}\r\n`,
        );
        raw.set(subjectOf(i), bytes);
        await store.messages.append(renewed.id, box, bytes);
      }
      await store.messages.append(renewed.id, box, message({ Subject: "never encrypted" }));
      for (const m of (await store.listMessages(renewed.id, box, { limit: 100 })).messages)
        if (m.subject !== "never encrypted") await store.messageCrypto.encryptInPlace(renewed.id, m.id, PW);
      // Renewal: a new key from the server CA under the same password; the old one becomes earlier.
      await expect(store.secureMail.renew(renewed.id, "not the password")).rejects.toMatchObject({
        code: "wrong-password",
      });
      const status = await store.secureMail.renew(renewed.id, PW);
      expect(status).toMatchObject({ hasKey: true, earlierKeys: 1, keyAlgorithm: "RSA", keySize: 2048 });
      expect(await store.ca.isRevoked(oldKey.certificate.sha256)).toBe(true);
      await expect(store.secureMail.renew(mallory.id, PW)).rejects.toMatchObject({ code: "no-key" });
      const keys = await store.secureMail.identities(renewed.id, PW);
      newKey = keys[0]!;
      expect(keys.map((k) => k.certificate.sha256)).toContain(oldKey.certificate.sha256);
      expect(newKey.certificate.sha256).not.toBe(oldKey.certificate.sha256);
    }, 60_000);

    const opensWith = async (id: string, key: Identity) => {
      try {
        return Buffer.from(
          (await decryptOuterLayer(await store.messages.raw(renewed.id, id), { identities: [key] })).message,
        );
      } catch (error) {
        if (isCoreError(error, "not-a-recipient")) return null;
        throw error;
      }
    };

    it("re-encrypts each message in place to the new key (readable, bytes kept), and skips it the second time", async () => {
      const before = (await store.listMessages(renewed.id, box, { limit: 100 })).messages;
      for (const m of before.filter((x) => sealed(x.security))) {
        expect(await opensWith(m.id, newKey)).toBeNull();
        expect(await opensWith(m.id, oldKey)).not.toBeNull();
      }
      // A session unlocked before the renewal lacks the new key: it must unlock again first.
      const { token } = await store.sessions.create(renewed.id);
      await store.secureMail.unlock(renewed.id, token, PW);
      await store.secureMail.renew(renewed.id, PW);
      await expect(
        store.bulk.start(renewed.id, box, "re-encrypt", { sessionToken: token }),
      ).rejects.toMatchObject({ code: "locked" });
      await store.secureMail.unlock(renewed.id, token, PW);
      newKey = (await store.secureMail.identities(renewed.id, PW))[0]!;

      const end = await (await store.bulk.start(renewed.id, box, "re-encrypt", { sessionToken: token }))
        .finished;
      expect(end).toMatchObject({ state: "done", kind: "re-encrypt", total: 6, done: 6, failed: 0 });
      const after = (await store.listMessages(renewed.id, box, { limit: 100 })).messages;
      expect(after.map((m) => m.subject).sort()).toEqual(before.map((m) => m.subject).sort());
      for (const m of after.filter((x) => sealed(x.security))) {
        expect(await opensWith(m.id, oldKey)).toBeNull();
        expect((await opensWith(m.id, newKey))!.equals(raw.get(m.subject)!)).toBe(true);
        const view = await store.reading.read(renewed.id, m.id, { access: PW });
        expect(view.state).toBe("opened");
      }
      expect(after.find((m) => m.subject === "never encrypted")?.security).toBe("plain");

      const again = await (await store.bulk.start(renewed.id, box, "re-encrypt", PW)).finished;
      expect(again).toMatchObject({ state: "done", total: 6, done: 0, skipped: 6 });
    });

    it("reEncryptInPlace: one message, skipped when the current key already opens it, refused when not encrypted", async () => {
      const messages = (await store.listMessages(renewed.id, box, { limit: 100 })).messages;
      const one = messages.find((m) => sealed(m.security))!;
      const result = await store.messageCrypto.reEncryptInPlace(renewed.id, one.id, PW);
      expect(result.status).toBe("already-current");
      expect(result.summary.id).toBe(one.id);
      const plain = messages.find((m) => m.subject === "never encrypted")!;
      await expect(store.messageCrypto.reEncryptInPlace(renewed.id, plain.id, PW)).rejects.toMatchObject({
        code: "invalid-argument",
      });
    });
  });
});
