import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, TEST_SCRYPT, testClock } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import { silentLogger } from "../logger.js";
import { openStore, type Store } from "../open-store.js";
import { SESSION_IDLE_MS, SESSION_MAX_MS } from "./sessions.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe.each(backends)("sessions on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let bob: Account;
  const clock = testClock(Date.UTC(2026, 4, 1));

  beforeAll(async () => {
    fresh = await freshStore(backend, { now: clock.now });
    store = fresh.store;
    alice = (await store.accounts.add("alice@sessions.example", { password: "pw", createDomain: true }))
      .account;
    bob = (await store.accounts.add("bob@sessions.example", { password: "pw" })).account;
  }, 120_000);
  afterAll(() => fresh.cleanup());

  const row = (token: string) =>
    storeInternals(store)
      .db.selectFrom("sessions")
      .selectAll()
      .where("id", "=", sha256(token))
      .executeTakeFirst();

  /** An unlock blob for the session (its contents do not matter to the session code). */
  const fakeUnlock = (token: string, accountId: string) =>
    storeInternals(store)
      .db.insertInto("unlock_sessions")
      .values({
        id: sha256(token),
        account_id: accountId,
        wrapped: new Uint8Array([1, 2, 3]),
        expires_at: clock.now() + HOUR,
        created_at: clock.now(),
      })
      .execute();
  const unlockRow = (token: string) =>
    storeInternals(store)
      .db.selectFrom("unlock_sessions")
      .select("id")
      .where("id", "=", sha256(token))
      .executeTakeFirst();

  it("creates a session for a random token and resolves it", async () => {
    const { token, session } = await store.sessions.create(alice.id, { client: "192.0.2.1" });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).toMatchObject({
      id: sha256(token),
      createdAt: clock.now(),
      expiresAt: clock.now() + SESSION_IDLE_MS,
    });
    expect(session.account.id).toBe(alice.id);
    expect(session.csrf).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await store.sessions.resolve(token)).toEqual(session);
    // Two sessions never share a token, an id or a CSRF token.
    const other = await store.sessions.create(alice.id);
    expect(other.token).not.toBe(token);
    expect(other.session.csrf).not.toBe(session.csrf);
    expect((await row(other.token))?.client).toBe("unknown");
    expect((await row(token))?.client).toBe("192.0.2.1");
  });

  it("a new login password or disabling the account (CLI, administrator) ends every session", async () => {
    const { account } = await store.accounts.add("reset@sessions.example", {
      password: "old login password",
      createDomain: true,
    });
    const a = await store.sessions.create(account.id);
    const b = await store.sessions.create(account.id);
    await store.accounts.set(account.address, { password: "new login password" });
    expect(await store.sessions.resolve(a.token)).toBeUndefined();
    expect(await store.sessions.resolve(b.token)).toBeUndefined();
    const c = await store.sessions.create(account.id);
    await store.accounts.set(account.address, { realName: "Still Signed In" });
    expect(await store.sessions.resolve(c.token)).toBeDefined();
    await store.accounts.set(account.address, { disabled: true });
    const left = await storeInternals(store)
      .context.db.selectFrom("sessions")
      .select("id")
      .where("account_id", "=", account.id)
      .execute();
    expect(left).toEqual([]);
  });

  it("resolves a malformed or unknown token to undefined, and ending one is harmless", async () => {
    for (const token of ["", "short", "x".repeat(44), `${"a".repeat(42)}!`, "a".repeat(43)])
      expect(await store.sessions.resolve(token)).toBeUndefined();
    await store.sessions.end("not a token");
    await store.sessions.end("b".repeat(43));
  });

  it("keeps only the SHA-256 of the token in the database", async () => {
    const { token } = await store.sessions.create(bob.id, { client: "192.0.2.2" });
    const rows = await storeInternals(store).db.selectFrom("sessions").selectAll().execute();
    expect(rows.map((r) => r.id)).toContain(sha256(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    if (backend.name === "sqlite") {
      for (const file of readdirSync(fresh.base).filter((f) => f.startsWith("sealbox.db")))
        expect(readFileSync(join(fresh.base, file)).includes(Buffer.from(token))).toBe(false);
    }
  });

  it("writes last_seen at most once a minute, sliding the idle expiry", async () => {
    const { token, session } = await store.sessions.create(alice.id);
    const created = clock.now();
    clock.advance(30_000);
    expect((await store.sessions.resolve(token))?.expiresAt).toBe(session.expiresAt);
    expect(await row(token)).toMatchObject({ last_seen_at: created, expires_at: created + SESSION_IDLE_MS });
    clock.advance(30_000);
    const touched = await store.sessions.resolve(token);
    expect(touched?.expiresAt).toBe(clock.now() + SESSION_IDLE_MS);
    expect(await row(token)).toMatchObject({
      created_at: created,
      last_seen_at: clock.now(),
      expires_at: clock.now() + SESSION_IDLE_MS,
    });
  });

  it("ends after the idle time without a request, and deletes the row and its unlock", async () => {
    const { token } = await store.sessions.create(alice.id);
    await fakeUnlock(token, alice.id);
    clock.advance(SESSION_IDLE_MS - 1);
    expect(await store.sessions.resolve(token)).toBeDefined();
    const idleAgain = await store.sessions.create(alice.id);
    await fakeUnlock(idleAgain.token, alice.id);
    clock.advance(SESSION_IDLE_MS);
    expect(await store.sessions.resolve(idleAgain.token)).toBeUndefined();
    expect(await row(idleAgain.token)).toBeUndefined();
    expect(await unlockRow(idleAgain.token)).toBeUndefined();
    // The first one was touched at IDLE-1: its new idle period ended at the same moment.
    expect(await store.sessions.resolve(token)).toBeUndefined();
    expect(await row(token)).toBeUndefined();
  });

  it("ends at the absolute maximum however often it is used", async () => {
    const { token, session } = await store.sessions.create(alice.id);
    const created = session.createdAt;
    let last = session.expiresAt;
    while (clock.now() + 11 * HOUR < created + SESSION_MAX_MS) {
      clock.advance(11 * HOUR);
      const resolved = await store.sessions.resolve(token);
      expect(resolved).toBeDefined();
      expect(resolved!.expiresAt).toBeGreaterThanOrEqual(last);
      expect(resolved!.expiresAt).toBeLessThanOrEqual(created + SESSION_MAX_MS);
      last = resolved!.expiresAt;
    }
    clock.set(created + SESSION_MAX_MS - 1);
    expect((await store.sessions.resolve(token))?.expiresAt).toBe(created + SESSION_MAX_MS);
    clock.set(created + SESSION_MAX_MS);
    expect(await store.sessions.resolve(token)).toBeUndefined();
    expect(await row(token)).toBeUndefined();
  });

  it("a disabled account's session resolves to undefined and is deleted; no new one is made", async () => {
    const { token } = await store.sessions.create(bob.id);
    await fakeUnlock(token, bob.id);
    await store.accounts.set("bob@sessions.example", { disabled: true });
    try {
      expect(await store.sessions.resolve(token)).toBeUndefined();
      expect(await row(token)).toBeUndefined();
      expect(await unlockRow(token)).toBeUndefined();
      await expect(store.sessions.create(bob.id)).rejects.toMatchObject({ code: "forbidden" });
    } finally {
      await store.accounts.set("bob@sessions.example", { disabled: false });
    }
    // Enabling the account again does not bring the ended session back.
    expect(await store.sessions.resolve(token)).toBeUndefined();
  });

  it("end deletes the session and its unlock; endAll ends every session of one account only", async () => {
    const a1 = await store.sessions.create(alice.id);
    const a2 = await store.sessions.create(alice.id);
    const b1 = await store.sessions.create(bob.id);
    for (const s of [a1, a2, b1]) await fakeUnlock(s.token, s.session.account.id);
    await store.sessions.end(a1.token);
    expect(await store.sessions.resolve(a1.token)).toBeUndefined();
    expect(await row(a1.token)).toBeUndefined();
    expect(await unlockRow(a1.token)).toBeUndefined();
    expect(await store.sessions.resolve(a2.token)).toBeDefined();
    expect(await unlockRow(a2.token)).toBeDefined();

    await store.sessions.endAll(alice.id);
    expect(await store.sessions.resolve(a2.token)).toBeUndefined();
    expect(await unlockRow(a2.token)).toBeUndefined();
    expect(
      await storeInternals(store)
        .db.selectFrom("sessions")
        .select("id")
        .where("account_id", "=", alice.id)
        .execute(),
    ).toEqual([]);
    expect(await store.sessions.resolve(b1.token)).toBeDefined();
    expect(await unlockRow(b1.token)).toBeDefined();
  });

  it("endAll with except keeps that one session (and its unlock) and ends the rest", async () => {
    const kept = await store.sessions.create(alice.id);
    const other = await store.sessions.create(alice.id);
    for (const s of [kept, other]) await fakeUnlock(s.token, alice.id);
    await store.sessions.endAll(alice.id, { except: kept.session.id });
    expect(await store.sessions.resolve(kept.token)).toBeDefined();
    expect(await unlockRow(kept.token)).toBeDefined();
    expect(await store.sessions.resolve(other.token)).toBeUndefined();
    expect(await unlockRow(other.token)).toBeUndefined();
    await store.sessions.endAll(alice.id);
  });

  it("removing an account removes its sessions", async () => {
    const carl = (await store.accounts.add("carl@sessions.example", { password: "pw" })).account;
    const { token } = await store.sessions.create(carl.id);
    await store.accounts.remove("carl@sessions.example");
    expect(await row(token)).toBeUndefined();
    expect(await store.sessions.resolve(token)).toBeUndefined();
  });

  it("two store instances on the same database (two web processes) share sessions", async () => {
    const second = await openStore(fresh.url, {
      base: fresh.base,
      logger: silentLogger,
      passwordHashing: TEST_SCRYPT,
      now: clock.now,
    });
    try {
      const { token, session } = await store.sessions.create(alice.id, { client: "192.0.2.9" });
      expect(await second.sessions.resolve(token)).toEqual(session);
      clock.advance(2 * MINUTE);
      const touched = await second.sessions.resolve(token);
      expect(touched?.expiresAt).toBe(clock.now() + SESSION_IDLE_MS);
      expect((await store.sessions.resolve(token))?.expiresAt).toBe(touched?.expiresAt);
      await second.sessions.end(token);
      expect(await store.sessions.resolve(token)).toBeUndefined();
      const made = await second.sessions.create(bob.id);
      expect((await store.sessions.resolve(made.token))?.account.id).toBe(bob.id);
    } finally {
      await second.close();
    }
  });
});
