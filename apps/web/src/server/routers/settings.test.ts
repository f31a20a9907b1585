import type { Store } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { storeFieldErrors } from "../errors";
import { callerFor, signedIn, testStore } from "./test-support";

/** The refusal as the page gets it: tRPC code, and the message per field (zod's or store's). */
async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const fields =
      error.cause instanceof ZodError ? error.cause.flatten().fieldErrors : storeFieldErrors(error);
    return { code: error.code, message: error.message, fields };
  }
  throw new Error("expected a refusal");
}

describe("Settings → General, Compose, Password over tRPC", () => {
  let store: Store;

  beforeAll(async () => {
    store = await testStore();
    await signedIn(store, "bob@settings.example");
  }, 60_000);
  afterAll(() => store?.close());

  it("General: sets Real Name and From; an invalid or another account's From is named at the field", async () => {
    const { token } = await signedIn(store, "alice@settings.example");
    const { caller } = await callerFor(store, token);
    expect(await caller.settings.get()).toMatchObject({
      address: "alice@settings.example",
      realName: "",
      fromAddress: "",
    });
    expect(
      await caller.settings.setGeneral({
        realName: "Alice Example",
        fromAddress: "alice.e@settings.example",
      }),
    ).toMatchObject({ realName: "Alice Example", fromAddress: "alice.e@settings.example" });
    // What Send and the shell use: the session's account, fresh on the next request.
    const { caller: next } = await callerFor(store, token);
    expect(await next.auth.me()).toMatchObject({
      realName: "Alice Example",
      fromAddress: "alice.e@settings.example",
    });

    expect(
      await refusal(caller.settings.setGeneral({ realName: "A", fromAddress: "no at sign" })),
    ).toMatchObject({
      code: "BAD_REQUEST",
      fields: { fromAddress: [expect.stringMatching(/not a valid mail address/)] },
    });
    expect(
      await refusal(caller.settings.setGeneral({ realName: "A", fromAddress: "bob@settings.example" })),
    ).toMatchObject({
      code: "BAD_REQUEST",
      fields: { fromAddress: [expect.stringMatching(/another account/)] },
    });
    expect(
      await refusal(caller.settings.setGeneral({ realName: "A\r\nBcc: x@y", fromAddress: "" })),
    ).toMatchObject({ code: "BAD_REQUEST", fields: { realName: ["A name is one line."] } });
    // Nothing was changed by the refused calls (a new request reads the account afresh).
    expect(await (await callerFor(store, token)).caller.settings.get()).toMatchObject({
      realName: "Alice Example",
      fromAddress: "alice.e@settings.example",
    });
    // Back to the account address.
    expect(await caller.settings.setGeneral({ realName: "Alice Example", fromAddress: "" })).toMatchObject({
      fromAddress: "",
    });
  });

  it("Compose: Encryption Method among the domain's ciphers (default from the domain), Always Sign, Encrypt When Possible", async () => {
    const { token, account } = await signedIn(store, "carol@compose.example");
    await store.domains.set("compose.example", {
      allowedCiphers: ["AES-256-CBC", "AES-128-GCM", "AES-256-GCM"],
      defaultCipher: "AES-256-GCM",
    });
    const { caller } = await callerFor(store, token);
    expect(await caller.settings.get()).toMatchObject({
      smimeEnabled: true,
      encryptionMethod: "AES-256-GCM",
      domainDefaultCipher: "AES-256-GCM",
      allowedCiphers: ["AES-256-CBC", "AES-128-GCM", "AES-256-GCM"],
      alwaysSign: false,
      encryptWhenPossible: false,
    });
    expect(
      await caller.settings.setCompose({
        encryptionMethod: "AES-128-GCM",
        alwaysSign: true,
        encryptWhenPossible: true,
      }),
    ).toMatchObject({ encryptionMethod: "AES-128-GCM", alwaysSign: true, encryptWhenPossible: true });
    expect(await store.accounts.byId(account.id)).toMatchObject({
      encryptionMethod: "AES-128-GCM",
      alwaysSign: true,
      encryptWhenPossible: true,
    });
    expect(
      await refusal(
        caller.settings.setCompose({
          encryptionMethod: "AES-192-CBC",
          alwaysSign: true,
          encryptWhenPossible: true,
        }),
      ),
    ).toMatchObject({
      code: "BAD_REQUEST",
      fields: { encryptionMethod: [expect.stringMatching(/does not allow/)] },
    });
    expect(
      await refusal(
        caller.settings.setCompose({ encryptionMethod: "", alwaysSign: true, encryptWhenPossible: true }),
      ),
    ).toMatchObject({ code: "BAD_REQUEST", fields: { encryptionMethod: ["Choose an encryption method."] } });
  });

  it("Compose shows no Secure Mail settings and refuses them while S/MIME is off for the domain", async () => {
    const { token } = await signedIn(store, "dan@off.example");
    await store.domains.set("off.example", { smimeEnabled: false });
    const { caller } = await callerFor(store, token);
    expect(await caller.settings.get()).toEqual({
      address: "dan@off.example",
      realName: "",
      fromAddress: "",
      smimeEnabled: false,
      encryptionMethod: null,
      allowedCiphers: [],
      domainDefaultCipher: null,
      alwaysSign: false,
      encryptWhenPossible: false,
    });
    expect(
      await refusal(
        caller.settings.setCompose({
          encryptionMethod: "AES-256-CBC",
          alwaysSign: true,
          encryptWhenPossible: false,
        }),
      ),
    ).toMatchObject({ code: "FORBIDDEN" });
    // General still works.
    expect(await caller.settings.setGeneral({ realName: "Dan", fromAddress: "" })).toMatchObject({
      realName: "Dan",
    });
  });

  it("Password: checks the current one, sets the new one, ends the other sessions and keeps this one", async () => {
    const { token, account } = await signedIn(store, "erin@settings.example");
    const other = await store.sessions.create(account.id);
    const { caller } = await callerFor(store, token);
    expect(
      await refusal(
        caller.settings.changePassword({
          currentPassword: "wrong",
          newPassword: "new pw",
          reenterPassword: "new pw",
        }),
      ),
    ).toMatchObject({ code: "BAD_REQUEST", fields: { currentPassword: ["The current password is wrong."] } });
    expect(
      await refusal(
        caller.settings.changePassword({
          currentPassword: "login pw",
          newPassword: "new pw",
          reenterPassword: "new",
        }),
      ),
    ).toMatchObject({ fields: { reenterPassword: ["The passwords do not match."] } });
    expect(
      await refusal(
        caller.settings.changePassword({ currentPassword: "", newPassword: "", reenterPassword: "" }),
      ),
    ).toMatchObject({
      fields: { currentPassword: ["Enter your current password."], newPassword: ["Choose a new password."] },
    });
    expect(await store.sessions.resolve(other.token)).toBeDefined();

    expect(
      await caller.settings.changePassword({
        currentPassword: "login pw",
        newPassword: "new login pw",
        reenterPassword: "new login pw",
      }),
    ).toEqual({ ok: true });
    expect(await store.sessions.resolve(token)).toBeDefined();
    expect(await store.sessions.resolve(other.token)).toBeUndefined();
    expect((await store.login(account.address, "login pw")).ok).toBe(false);
    expect((await store.login(account.address, "new login pw")).ok).toBe(true);
  });

  it("Password: wrong current passwords count as failed logins, then the form waits like Log In", async () => {
    const { token, account } = await signedIn(store, "frank@settings.example");
    const { caller } = await callerFor(store, token);
    const attempt = (currentPassword: string) =>
      caller.settings.changePassword({ currentPassword, newPassword: "n", reenterPassword: "n" });
    for (let i = 0; i < 5; i++)
      expect(await refusal(attempt(`guess ${i}`))).toMatchObject({ code: "BAD_REQUEST" });
    expect(await refusal(attempt("login pw"))).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      fields: { currentPassword: [expect.stringMatching(/too many failed logins/i)] },
    });
    expect(await store.login(account.address, "login pw")).toMatchObject({
      ok: false,
      reason: "rate-limited",
    });
  });
});
