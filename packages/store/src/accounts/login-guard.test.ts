import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, TEST_SCRYPT, testClock } from "../../test/fresh-store.js";
import { storeInternals } from "../internals.js";
import { silentLogger } from "../logger.js";
import { openStore, type Store } from "../open-store.js";
import type { LoginResult } from "./login.js";
import { LOGIN_LIMITS } from "./login-guard.js";

const ALICE_PW = "alice's login password";
const BOB_PW = "bob's login password";
const INVALID: LoginResult = { ok: false, reason: "invalid-credentials" };

const limited = (seconds: number): LoginResult => ({
  ok: false,
  reason: "rate-limited",
  message: `too many failed logins; try again in ${seconds} second${seconds === 1 ? "" : "s"}`,
});

describe.each(backends)("login guard on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  const clock = testClock(Date.UTC(2026, 3, 1));
  /** A fresh client address per call, so only the account counter is in play. */
  let clientCounter = 0;
  const anyClient = () => ({ client: `192.0.2.${++clientCounter}` });

  beforeAll(async () => {
    fresh = await freshStore(backend, { now: clock.now });
    store = fresh.store;
    await store.accounts.add("alice@guard.example", { password: ALICE_PW, createDomain: true });
    await store.accounts.add("bob@guard.example", { password: BOB_PW });
    await store.accounts.add("carl@guard.example", { password: "carl's login password" });
  }, 120_000);
  afterAll(() => fresh.cleanup());

  /** Moves past every window so the next test starts with no failures counted. */
  const freshWindow = () => clock.advance(LOGIN_LIMITS.windowMs + 1);

  it("gives the same failure for an unknown address, a malformed one and a wrong password", async () => {
    freshWindow();
    expect(await store.login("nobody@guard.example", ALICE_PW, anyClient())).toEqual(INVALID);
    expect(await store.login("not an address", ALICE_PW, anyClient())).toEqual(INVALID);
    expect(await store.login("", "", anyClient())).toEqual(INVALID);
    expect(await store.login("alice@guard.example", "wrong", anyClient())).toEqual(INVALID);
    const ok = await store.login("ALICE@guard.example", ALICE_PW, anyClient());
    expect(ok.ok && ok.account.address).toBe("alice@guard.example");
  });

  it("refuses after 5 account failures, says when to retry, doubles the delay, even for the right password", async () => {
    freshWindow();
    for (let i = 0; i < LOGIN_LIMITS.accountFreeFailures; i++) {
      clock.advance(1000);
      expect(await store.login("alice@guard.example", `wrong ${i}`, anyClient())).toEqual(INVALID);
    }
    // Another address spelling of the same account is the same counter.
    expect(await store.login("Alice@Guard.Example", ALICE_PW, anyClient())).toEqual(limited(1));
    // Bob is not affected by Alice's failures.
    expect((await store.login("bob@guard.example", BOB_PW, anyClient())).ok).toBe(true);
    for (const delay of [1000, 2000, 4000]) {
      clock.advance(delay - 1);
      expect(await store.login("alice@guard.example", ALICE_PW, anyClient())).toEqual(limited(1));
      clock.advance(1);
      expect(await store.login("alice@guard.example", "wrong again", anyClient())).toEqual(INVALID);
      expect(await store.login("alice@guard.example", ALICE_PW, anyClient())).toEqual(
        limited((delay * 2) / 1000),
      );
    }
    clock.advance(8000);
    expect((await store.login("alice@guard.example", ALICE_PW, anyClient())).ok).toBe(true);
    // The success cleared the account's failures: five are free again.
    for (let i = 0; i < LOGIN_LIMITS.accountFreeFailures; i++)
      expect(await store.login("alice@guard.example", `wrong ${i}`, anyClient())).toEqual(INVALID);
    expect(await store.login("alice@guard.example", ALICE_PW, anyClient())).toEqual(limited(1));
  });

  it("caps the delay at 15 minutes and forgets failures that left the 15-minute window", async () => {
    freshWindow();
    for (let i = 0; i < LOGIN_LIMITS.accountFreeFailures; i++)
      expect(await store.login("carl@guard.example", "wrong", anyClient())).toEqual(INVALID);
    // Make the counter large enough that 2^(n-5) s passes the cap (rows written directly: 20 failures).
    const now = clock.now();
    await storeInternals(store)
      .db.insertInto("login_attempts")
      .values(
        Array.from({ length: 15 }, (_, i) => ({
          id: `test-extra-${backend.name}-${i}`,
          subject: "account:carl@guard.example",
          at: now - 1000 * (i + 1),
        })),
      )
      .execute();
    expect(await store.login("carl@guard.example", "wrong", anyClient())).toEqual(
      limited(LOGIN_LIMITS.maxDelayMs / 1000),
    );
    clock.advance(LOGIN_LIMITS.windowMs - 1);
    expect((await store.login("carl@guard.example", "wrong", anyClient())).ok).toBe(false);
    expect(await store.login("carl@guard.example", "wrong", anyClient())).toMatchObject({
      reason: "rate-limited",
    });
    // Once every failure is older than the window, attempts are free again.
    clock.advance(LOGIN_LIMITS.windowMs);
    expect(await store.login("carl@guard.example", "wrong", anyClient())).toEqual(INVALID);
    const ok = await store.login("carl@guard.example", "carl's login password", anyClient());
    expect(ok.ok).toBe(true);
  });

  it("counts failures per client address across accounts; a success does not clear the client's failures", async () => {
    freshWindow();
    const client = { client: "198.51.100.7" };
    // 19 failures, each on another (unknown) account, so no account counter is near its limit.
    for (let i = 0; i < LOGIN_LIMITS.clientFreeFailures - 1; i++)
      expect(await store.login(`user${i}@guard.example`, "guess", client)).toEqual(INVALID);
    // A success from that client: the account's slate is clean, the client's 19 stay.
    expect((await store.login("bob@guard.example", BOB_PW, client)).ok).toBe(true);
    expect(await store.login("user-last@guard.example", "guess", client)).toEqual(INVALID);
    // 20 failures: the client must wait, whatever account it tries, even with the right password.
    expect(await store.login("bob@guard.example", BOB_PW, client)).toEqual(limited(1));
    expect(await store.login("alice@guard.example", ALICE_PW, client)).toEqual(limited(1));
    // Another client is not affected.
    expect((await store.login("bob@guard.example", BOB_PW, { client: "198.51.100.8" })).ok).toBe(true);
    clock.advance(1000);
    expect((await store.login("bob@guard.example", BOB_PW, client)).ok).toBe(true);
  });

  it("counts an IPv6 client by its /64, and an IPv4-mapped address as the IPv4 address", async () => {
    freshWindow();
    // Every guess from another address of one /64, each on another (unknown) account.
    for (let i = 0; i < LOGIN_LIMITS.clientFreeFailures; i++)
      expect(
        await store.login(`v6-${i}@guard.example`, "guess", {
          client: `2001:db8:7:7:${(i + 1).toString(16)}::1`,
        }),
      ).toEqual(INVALID);
    expect(await store.login("bob@guard.example", BOB_PW, { client: "2001:DB8:7:7:ffff:1:2:3" })).toEqual(
      limited(1),
    );
    expect((await store.login("bob@guard.example", BOB_PW, { client: "2001:db8:7:8::1" })).ok).toBe(true);
    for (let i = 0; i < LOGIN_LIMITS.clientFreeFailures; i++)
      expect(await store.login(`v4-${i}@guard.example`, "guess", { client: "::ffff:192.0.2.200" })).toEqual(
        INVALID,
      );
    expect(await store.login("bob@guard.example", BOB_PW, { client: "192.0.2.200" })).toEqual(limited(1));
  });

  it("counts every guess sent in parallel: no more than the free failures are ever checked", async () => {
    freshWindow();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.login("alice@guard.example", `parallel ${i}`, anyClient())),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid-credentials")).toHaveLength(
      LOGIN_LIMITS.accountFreeFailures,
    );
    expect(results.filter((r) => !r.ok && r.reason === "rate-limited")).toHaveLength(
      10 - LOGIN_LIMITS.accountFreeFailures,
    );
    expect(await store.login("alice@guard.example", ALICE_PW, anyClient())).toEqual(limited(1));
    const rows = await storeInternals(store)
      .db.selectFrom("login_attempts")
      .select("at")
      .where("subject", "=", "account:alice@guard.example")
      .where("at", ">", clock.now() - LOGIN_LIMITS.windowMs)
      .execute();
    expect(rows).toHaveLength(LOGIN_LIMITS.accountFreeFailures);
  });

  it("stores neither the password nor anything but the subject and time of an attempt", async () => {
    freshWindow();
    await store.login("alice@guard.example", "a very distinctive wrong guess", { client: "203.0.113.9" });
    const rows = await storeInternals(store).db.selectFrom("login_attempts").selectAll().execute();
    const text = JSON.stringify(rows);
    expect(text).not.toContain("distinctive");
    expect(rows.map((r) => r.subject)).toEqual(
      expect.arrayContaining(["account:alice@guard.example", "client:203.0.113.9"]),
    );
  });

  it("a rate-limited attempt costs no scrypt (it is refused before the password is checked)", async () => {
    freshWindow();
    // An account whose hash is expensive: made through a second store on the same database
    // with a real cost (existing hashes carry their own parameters).
    const heavy = await openStore(fresh.url, {
      base: fresh.base,
      logger: silentLogger,
      passwordHashing: { logN: 16, r: 8, p: 1 },
      now: clock.now,
    });
    try {
      await heavy.accounts.add("dora@guard.example", { password: "dora's login password" });
    } finally {
      await heavy.close();
    }
    const timed = async (password: string) => {
      const started = performance.now();
      const result = await store.login("dora@guard.example", password, anyClient());
      return { result, ms: performance.now() - started };
    };
    const checked: number[] = [];
    for (let i = 0; i < LOGIN_LIMITS.accountFreeFailures; i++) {
      const { result, ms } = await timed("wrong");
      expect(result).toEqual(INVALID);
      checked.push(ms);
    }
    const refused: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { result, ms } = await timed("dora's login password");
      expect(result).toEqual(limited(1));
      refused.push(ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    expect(median(refused)).toBeLessThan(median(checked) / 4);
    expect(TEST_SCRYPT.logN).toBeLessThan(16); // the comparison above is against the heavy hash
  });
});
