import { ruleJson, type Store } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorsByField, unplacedErrors } from "~/components/rules/rule-draft";
import { storeFieldErrors } from "../errors";
import { createContextInner } from "../trpc";
import { appRouter } from "./app";
import { callerFor, signedIn, testStore } from "./test-support";

const secret = {
  name: "Secret",
  priority: 3,
  match: "all" as const,
  conditions: [{ field: "Subject", op: "is", value: "*secret*" }],
  actions: [{ action: "Store Encrypted in", argument: "INBOX" }],
  stop: false,
};

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return { code: error.code, message: error.message, fields: storeFieldErrors(error) };
  }
  throw new Error("expected a refusal");
}

describe("Settings → Rules over tRPC", () => {
  let store: Store;

  beforeAll(async () => {
    store = await testStore();
  }, 60_000);
  afterAll(() => store?.close());

  it("New Rule, list in priority order, edit, reorder, delete; the same rule the CLI's JSON contract describes", async () => {
    const { token, account } = await signedIn(store, "alice@rules.example");
    const { caller } = await callerFor(store, token);
    expect(await caller.rules.list({})).toEqual([]);
    const made = await caller.rules.save({ rule: secret });
    expect(made).toMatchObject({ ...secret, text: "if Subject is *secret* then Store Encrypted in INBOX" });
    // What `sealbox rule list --json` prints for it.
    const [stored] = await store.rules.list({ accountId: account.id });
    expect(ruleJson(stored!)).toEqual(secret);

    const lists = await caller.rules.save({
      rule: {
        name: "Lists",
        priority: 1,
        match: "any",
        conditions: [
          { field: "Sender", op: "is", value: "*-bounces@*" },
          { field: "Header Field", op: "is", value: "List-Id: *" },
        ],
        actions: [
          { action: "Store in", argument: "Lists" },
          { action: "Mark", argument: "seen" },
          { action: "Add Header", argument: "X-Filed: lists" },
          { action: "Stop Processing" },
        ],
        stop: false,
      },
    });
    const off = await caller.rules.save({
      rule: { name: "Off", priority: "inactive", conditions: [], actions: [{ action: "Discard" }] },
    });
    expect((await caller.rules.list({})).map((r) => `${r.name}:${r.priority}`)).toEqual([
      "Lists:1",
      "Secret:3",
      "Off:null",
    ]);
    expect(off.priority).toBeNull();

    // Edit: renamed, other priority; same id.
    const edited = await caller.rules.save({
      id: made.id,
      rule: { ...secret, name: "Top secret", priority: 1 },
    });
    expect(edited.id).toBe(made.id);
    expect((await caller.rules.list({})).map((r) => r.name)).toEqual(["Lists", "Top secret", "Off"]);
    // Reorder.
    expect((await caller.rules.move({ id: made.id, direction: "up" })).map((r) => r.name)).toEqual([
      "Top secret",
      "Lists",
      "Off",
    ]);
    expect(await refusal(caller.rules.move({ id: made.id, direction: "up" }))).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/already the first/),
    });
    await caller.rules.move({ id: made.id, direction: "down" });
    expect((await caller.rules.list({})).map((r) => r.name)).toEqual(["Lists", "Top secret", "Off"]);
    // Delete.
    expect(await caller.rules.remove({ id: lists.id })).toEqual({ ok: true });
    expect((await caller.rules.list({})).map((r) => r.name)).toEqual(["Top secret", "Off"]);
    expect(await refusal(caller.rules.remove({ id: lists.id }))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("invalid input is refused with its message at the field, never a 500", async () => {
    const { token } = await signedIn(store, "bob@rules.example");
    const { caller } = await callerFor(store, token);
    const bad = (rule: Record<string, unknown>) =>
      refusal(caller.rules.save({ rule: { ...secret, ...rule } as typeof secret }));
    expect(await bad({ name: " " })).toMatchObject({
      code: "BAD_REQUEST",
      fields: { name: [expect.any(String)] },
    });
    expect(await bad({ priority: 0 })).toMatchObject({
      fields: { priority: [expect.stringMatching(/1 \(first\) to 9/)] },
    });
    expect(await bad({ priority: "10" })).toMatchObject({ fields: { priority: [expect.any(String)] } });
    expect(await bad({ actions: [] })).toMatchObject({
      fields: { actions: ["A rule needs at least one action."] },
    });
    expect(
      await bad({
        conditions: [...secret.conditions, { field: "Message Size", op: "greater than", value: "big" }],
      }),
    ).toMatchObject({ fields: { "conditions.1.value": [expect.stringMatching(/not a size/)] } });
    expect(await bad({ conditions: [{ field: "Body", op: "is", value: "x" }] })).toMatchObject({
      fields: { "conditions.0.field": [expect.any(String)] },
    });
    expect(await bad({ conditions: [{ field: "From", op: "less than", value: "x" }] })).toMatchObject({
      fields: { "conditions.0.op": [expect.any(String)] },
    });
    expect(await bad({ actions: [{ action: "Store Encrypted in", argument: "" }] })).toMatchObject({
      fields: { "actions.0.argument": ["Store Encrypted in needs a mailbox name."] },
    });
    expect(await bad({ actions: [{ action: "Mark", argument: "urgent" }] })).toMatchObject({
      fields: { "actions.0.argument": [expect.stringMatching(/unknown mark/i)] },
    });
    await caller.rules.save({ rule: secret });
    expect(await bad({})).toMatchObject({
      code: "CONFLICT",
      fields: { name: [expect.stringMatching(/already exists/)] },
    });
    expect(await caller.rules.list({})).toHaveLength(1);
  });

  it("the page gets the field messages in the error's data (over HTTP, as the browser calls it)", async () => {
    const { token } = await signedIn(store, "carol@rules.example");
    const session = (await store.sessions.resolve(token))!;
    const response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request("http://localhost/api/trpc/rules.save", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          rule: { ...secret, actions: [{ action: "Add Header", argument: "no colon" }] },
        }),
      }),
      router: appRouter,
      createContext: () =>
        createContextInner(store, { sessionToken: token, session, csrfToken: session.csrf }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { message: string; data: { appCode: string; fieldErrors: Record<string, string[]> } };
    };
    expect(body.error.data).toMatchObject({
      appCode: "invalid-argument",
      fieldErrors: {
        "actions.0.argument": [expect.stringMatching(/^Add Header must look like "Name: value"/)],
      },
    });
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts/);
  });

  it("an input the router itself refuses names the nested field too (not only `rule`)", async () => {
    const { token } = await signedIn(store, "dora@rules.example");
    const session = (await store.sessions.resolve(token))!;
    const response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request("http://localhost/api/trpc/rules.save", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          rule: { ...secret, conditions: [{ field: "Subject", op: "is", value: "x".repeat(10_001) }] },
        }),
      }),
      router: appRouter,
      createContext: () =>
        createContextInner(store, { sessionToken: token, session, csrfToken: session.csrf }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { data: { fieldErrors: Record<string, string[]> } } };
    expect(Object.keys(body.error.data.fieldErrors)).toEqual(
      expect.arrayContaining(["rule.conditions.0.value", "rule"]),
    );
    expect(errorsByField(body.error.data.fieldErrors)).toEqual({
      "conditions.0.value": expect.any(String),
    });
    expect(unplacedErrors(errorsByField(body.error.data.fieldErrors))).toEqual([]);
    expect(unplacedErrors({ "conditions.0.colour": "No such thing." })).toEqual([
      "conditions.0.colour: No such thing.",
    ]);
  });

  it("domain rules: a domain admin edits their own domain's, a server admin any, a user none", async () => {
    const admin = await signedIn(store, "admin@corp.example", "domain-admin");
    const user = await signedIn(store, "user@corp.example");
    const other = await signedIn(store, "admin@other.example", "domain-admin");
    const root = await signedIn(store, "root@server.example", "server-admin");
    const as = async (who: { token: string }) => (await callerFor(store, who.token)).caller;

    expect(await (await as(admin)).rules.domains()).toEqual(["corp.example"]);
    expect(await (await as(user)).rules.domains()).toEqual([]);
    expect(await (await as(root)).rules.domains()).toEqual(
      expect.arrayContaining(["corp.example", "other.example"]),
    );

    const spam = await (await as(admin)).rules.save({
      domain: "CORP.example",
      rule: {
        name: "Spam",
        priority: 1,
        match: "all",
        conditions: [{ field: "Header Field", op: "is", value: "X-Spam: yes*" }],
        actions: [{ action: "Store in", argument: "Junk" }],
        stop: true,
      },
    });
    const corp = await store.domains.require("corp.example");
    expect((await store.rules.list({ domainId: corp.id })).map((r) => r.id)).toEqual([spam.id]);
    // The account's own list is separate.
    expect(await (await as(admin)).rules.list({})).toEqual([]);
    expect((await (await as(root)).rules.list({ domain: "corp.example" })).map((r) => r.name)).toEqual([
      "Spam",
    ]);
    await (await as(root)).rules.save({
      domain: "corp.example",
      id: spam.id,
      rule: { ...secret, name: "Spam" },
    });

    for (const who of [user, other]) {
      const c = await as(who);
      expect(await refusal(c.rules.list({ domain: "corp.example" }))).toMatchObject({ code: "FORBIDDEN" });
      expect(await refusal(c.rules.save({ domain: "corp.example", rule: secret }))).toMatchObject({
        code: "FORBIDDEN",
      });
      expect(await refusal(c.rules.remove({ domain: "corp.example", id: spam.id }))).toMatchObject({
        code: "FORBIDDEN",
      });
      expect(
        await refusal(c.rules.move({ domain: "corp.example", id: spam.id, direction: "down" })),
      ).toMatchObject({
        code: "FORBIDDEN",
      });
      // The domain rule's id is not theirs as an account rule either.
      expect(await refusal(c.rules.remove({ id: spam.id }))).toMatchObject({ code: "NOT_FOUND" });
    }
    // Another domain's admin may edit their own domain's rules, not corp's.
    expect(
      await (await as(other)).rules.save({ domain: "other.example", rule: { ...secret, name: "Theirs" } }),
    ).toMatchObject({ name: "Theirs" });
    expect(await refusal((await as(root)).rules.list({ domain: "nowhere.example" }))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await (await as(admin)).rules.remove({ domain: "corp.example", id: spam.id })).toEqual({
      ok: true,
    });
    expect(await store.rules.list({ domainId: corp.id })).toEqual([]);
  });
});
