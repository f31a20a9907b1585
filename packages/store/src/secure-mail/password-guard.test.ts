import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, testClock } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import type { Store } from "../open-store.js";
import { FAILURE_WINDOW_MS, FREE_FAILURES, passwordGuard } from "./password-guard.js";

const PW = "the right Secure Mail Password";

describe.each(backends)("Secure Mail Password rate limit on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  let bob: Account;
  const clock = testClock(Date.UTC(2026, 2, 1));

  beforeAll(async () => {
    fresh = await freshStore(backend, {
      serverSecret: Buffer.from("guard test server secret"),
      now: clock.now,
    });
    store = fresh.store;
    alice = (await store.accounts.add("alice@guard.example", { password: "pw", createDomain: true })).account;
    bob = (await store.accounts.add("bob@guard.example", { password: "pw" })).account;
    await store.secureMail.generate(alice.id, PW, { keyAlgorithm: "EC-P256" });
    await store.secureMail.generate(bob.id, PW, { keyAlgorithm: "EC-P256" });
  }, 60_000);
  afterAll(() => fresh.cleanup());

  const limited = (p: Promise<unknown>, seconds: number) =>
    expect(p).rejects.toMatchObject({
      code: "rate-limited",
      message: `too many wrong Secure Mail Passwords; try again in ${seconds} second${seconds === 1 ? "" : "s"}`,
    });

  it("after 5 failures the delay is 1 s, then doubles per failure; it is per account", async () => {
    const guard = passwordGuard(storeInternals(store).context);
    for (let i = 0; i < FREE_FAILURES; i++) {
      clock.advance(10_000);
      await guard.begin(alice.id); // never succeeded(): a failure
    }
    await limited(guard.begin(alice.id), 1);
    // Bob is not affected by Alice's failures.
    await (await guard.begin(bob.id)).succeeded();
    for (const delay of [1000, 2000, 4000, 8000]) {
      clock.advance(delay - 1);
      await limited(guard.begin(alice.id), 1);
      clock.advance(1);
      await guard.begin(alice.id); // allowed, and wrong again
      await limited(guard.begin(alice.id), (delay * 2) / 1000);
    }
    // The right password is refused too while limited (checked before the KDF)...
    await limited(store.secureMail.verifyPassword(alice.id, PW), 16);
    // ...and accepted once the delay has passed; a success clears the slate.
    clock.advance(16_000);
    await store.secureMail.verifyPassword(alice.id, PW);
    for (let i = 0; i < FREE_FAILURES - 1; i++)
      await expect(store.secureMail.verifyPassword(alice.id, `wrong ${i}`)).rejects.toMatchObject({
        code: "wrong-password",
      });
    await store.secureMail.verifyPassword(alice.id, PW);
  });

  it("passwordFailures tells how many failures count now and when the last was", async () => {
    const carol = (await store.accounts.add("carol@guard.example", { password: "pw" })).account;
    const guard = passwordGuard(storeInternals(store).context);
    expect(await store.secureMail.passwordFailures(carol.id)).toEqual({ count: 0, lastAt: null });
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await guard.begin(carol.id);
    }
    const last = clock.now();
    expect(await store.secureMail.passwordFailures(carol.id)).toEqual({ count: 3, lastAt: last });
    // Outside the window they no longer count; a success clears them.
    clock.advance(FAILURE_WINDOW_MS - 1000);
    expect(await store.secureMail.passwordFailures(carol.id)).toEqual({ count: 1, lastAt: last });
    await (await guard.begin(carol.id)).succeeded();
    expect(await store.secureMail.passwordFailures(carol.id)).toEqual({ count: 0, lastAt: null });
  });

  it("failures older than 15 minutes no longer count", async () => {
    const guard = passwordGuard(storeInternals(store).context);
    for (let i = 0; i < FREE_FAILURES; i++) await guard.begin(alice.id);
    await limited(guard.begin(alice.id), 1);
    clock.advance(FAILURE_WINDOW_MS);
    // All five left the window: four more failures are still free.
    for (let i = 0; i < FREE_FAILURES - 1; i++) await guard.begin(alice.id);
    const attempt = await guard.begin(alice.id);
    await attempt.succeeded();
    const rows = await storeInternals(store)
      .db.selectFrom("unlock_attempts")
      .selectAll()
      .where("account_id", "=", alice.id)
      .execute();
    expect(rows).toEqual([]);
  });

  // Regression: the failure used to be written after the ~150 ms KDF, so guesses sent in
  // parallel (several web nodes, a script) all passed the check before any was counted.
  it("guesses sent in parallel are counted before the password is tried", async () => {
    clock.advance(FAILURE_WINDOW_MS);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.secureMail.verifyPassword(bob.id, `guess ${i}`)),
    );
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as { code: string }).code : "ok"));
    expect(codes.filter((c) => c === "wrong-password")).toHaveLength(FREE_FAILURES);
    expect(codes.filter((c) => c === "rate-limited")).toHaveLength(10 - FREE_FAILURES);
  }, 30_000);

  it("a check that fails for another reason than the password is not counted", async () => {
    clock.advance(FAILURE_WINDOW_MS);
    const guard = passwordGuard(storeInternals(store).context);
    for (let i = 0; i < FREE_FAILURES; i++) await (await guard.begin(alice.id)).abandon();
    await (await guard.begin(alice.id)).succeeded();
  });
});
