import type { Store } from "@sealbox/store";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContextInner } from "../trpc";
import { appRouter } from "./app";
import { callerFor, createCaller, testStore } from "./test-support";

const SMP = "a Secure Mail Password";

function anonymous(store: Store, options: { secure?: boolean; client?: string } = {}) {
  const cookies: string[] = [];
  const caller = createCaller(
    createContextInner(store, {
      secure: options.secure ?? false,
      client: options.client ?? "198.51.100.7",
      setCookie: (c) => cookies.push(c),
    }),
  );
  return { caller, cookies };
}

const tokenOf = (cookie: string) => /sealbox_session=([^;]*)/.exec(cookie)?.[1] ?? "";

describe("auth and Secure Mail lock over tRPC", () => {
  let store: Store;

  beforeAll(async () => {
    store = await testStore();
    await store.accounts.add("erin@auth.example", { password: "right password", createDomain: true });
    await store.accounts.add("off@auth.example", { password: "right password" });
    await store.accounts.set("off@auth.example", { disabled: true });
  });
  afterAll(() => store?.close());

  it("Log In sets an HttpOnly SameSite=Lax session cookie (Secure over HTTPS) holding a token the store keeps only hashed", async () => {
    const plain = anonymous(store);
    await plain.caller.auth.login({ account: "erin@auth.example", password: "right password" });
    const [cookie] = plain.cookies;
    expect(cookie).toMatch(
      /^sealbox_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
    );
    const secure = anonymous(store, { secure: true });
    await secure.caller.auth.login({ account: "erin@auth.example", password: "right password" });
    expect(secure.cookies[0]).toMatch(/; Secure$/);
    const session = await store.sessions.resolve(tokenOf(cookie as string));
    expect(session?.account.address).toBe("erin@auth.example");
    const { caller } = await callerFor(store, tokenOf(cookie as string));
    expect(await caller.auth.me()).toMatchObject({ address: "erin@auth.example", smimeEnabled: true });
  });

  it("refuses a wrong password and a disabled account with distinct words, and rate-limits guessing", async () => {
    const { caller } = anonymous(store, { client: "203.0.113.9" });
    await expect(
      caller.auth.login({ account: "erin@auth.example", password: "wrong" }),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Wrong account or password.",
    });
    await expect(
      caller.auth.login({ account: "nobody@auth.example", password: "wrong" }),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Wrong account or password.",
    });
    await expect(
      caller.auth.login({ account: "off@auth.example", password: "right password" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "This account is disabled.",
    });
    for (let i = 0; i < 6; i++)
      await caller.auth
        .login({ account: "erin@auth.example", password: `guess ${i}` })
        .catch(() => undefined);
    await expect(
      caller.auth.login({ account: "erin@auth.example", password: "right password" }),
    ).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/try again in \d+ seconds?/),
    });
  });

  it("unlocks for the session only, locks on Lock and on Log Out, and a new login starts locked", async () => {
    const { account } = await store.accounts.add("lock@auth.example", { password: "pw" });
    await store.secureMail.generate(account.id, SMP);
    const first = await store.sessions.create(account.id);
    const { caller } = await callerFor(store, first.token);
    expect(await caller.secureMail.state()).toMatchObject({ hasKey: true, unlocked: false });
    await expect(caller.secureMail.unlock({ password: "not it at all" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const unlocked = await caller.secureMail.unlock({ password: SMP });
    expect(unlocked.unlocked).toBe(true);
    expect(unlocked.expiresAt! - Date.now()).toBeLessThanOrEqual(180_000);
    expect(await caller.secureMail.state()).toMatchObject({ unlocked: true });
    // Another session of the same account is not unlocked by it.
    const second = await store.sessions.create(account.id);
    expect(await (await callerFor(store, second.token)).caller.secureMail.state()).toMatchObject({
      unlocked: false,
    });
    await caller.secureMail.lock();
    expect(await caller.secureMail.state()).toMatchObject({ unlocked: false });
    await caller.secureMail.unlock({ password: SMP });
    const out = await callerFor(store, first.token);
    await out.caller.auth.logout();
    expect(out.cookies[0]).toMatch(/^sealbox_session=; .*Max-Age=0/);
    expect(await store.sessions.resolve(first.token)).toBeUndefined();
    // No wrapped key blob of the account is left in the store.
    expect(await store.secureMail.storedUnlocks(account.id)).toBe(0);
  });

  it("reports a weak or mismatched Secure Mail Password next to its field", async () => {
    const { account } = await store.accounts.add("fields@auth.example", { password: "pw" });
    const { token } = await store.sessions.create(account.id);
    const session = await store.sessions.resolve(token);
    // Through the HTTP adapter, as the browser sees it: the error formatter's fieldErrors.
    const post = async (body: unknown) => {
      const response = await fetchRequestHandler({
        endpoint: "/api/trpc",
        req: new Request("http://localhost/api/trpc/secureMail.generate", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
        router: appRouter,
        createContext: () =>
          createContextInner(store, {
            sessionToken: token,
            session: session ?? null,
            csrfToken: session?.csrf ?? null,
          }),
      });
      return {
        status: response.status,
        json: (await response.json()) as { error: { message: string; data: Record<string, unknown> } },
      };
    };
    const short = await post({ newPassword: "1234567", reenterPassword: "1234567" });
    expect(short.status).toBe(400);
    expect(short.json.error.data).toMatchObject({
      code: "BAD_REQUEST",
      fieldErrors: { newPassword: [expect.stringMatching(/at least 8/)] },
    });
    expect(JSON.stringify(short.json)).not.toMatch(/stack|at .*\.ts:/);
    const mismatch = await post({ newPassword: "12345678", reenterPassword: "12345679" });
    expect(mismatch.json.error.data).toMatchObject({
      fieldErrors: { reenterPassword: [expect.stringMatching(/do not match/)] },
    });
    const { caller } = await callerFor(store, token);
    // Eight characters of any script are a valid password.
    await caller.secureMail.generate({
      newPassword: "パスワード八文字",
      reenterPassword: "パスワード八文字",
    });
    expect((await caller.secureMail.status()).hasKey).toBe(true);
  });
});
