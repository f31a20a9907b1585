import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, testClock } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import type { Store } from "../open-store.js";
import { ruleJson } from "./rules.js";

const secret = {
  name: "Secret",
  priority: 5,
  conditions: [{ field: "Subject", op: "is", value: "*secret*" }],
  actions: [{ action: "Store Encrypted in", argument: "INBOX" }],
  stop: false,
};

describe.each(backends)("rules on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let alice: Account;
  const clock = testClock();
  beforeAll(async () => {
    fresh = await freshStore(backend, { now: clock.now });
    store = fresh.store;
    alice = (await store.accounts.add("alice@rules.example", { password: "pw", createDomain: true })).account;
  });
  afterAll(() => fresh.cleanup());

  it("adds and lists a rule as the JSON contract, round trip exact", async () => {
    const stored = await store.rules.add({ accountId: alice.id }, secret);
    expect(ruleJson(stored)).toEqual({ ...secret, match: "all" });
    const [listed] = await store.rules.list({ accountId: alice.id });
    expect(listed && ruleJson(listed)).toEqual({ ...secret, match: "all" });
    expect(JSON.parse(JSON.stringify(ruleJson(listed!)))).toEqual(ruleJson(listed!));
  });

  it("refuses a second rule with the same name, and invalid rules", async () => {
    await expect(store.rules.add({ accountId: alice.id }, secret)).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(
      store.rules.add({ accountId: alice.id }, { ...secret, name: "x", actions: [] }),
    ).rejects.toMatchObject({ code: "invalid-argument" });
  });

  it("orders by priority (inactive last), then creation; put replaces in place", async () => {
    const owner = {
      accountId: (await store.accounts.add("order@rules.example", { password: "pw" })).account.id,
    };
    for (const [name, priority] of [
      ["p9", 9],
      ["off", null],
      ["p1", 1],
      ["p5a", 5],
      ["p5b", 5],
    ] as const) {
      clock.advance(1);
      await store.rules.add(owner, { name, priority, actions: [{ action: "Mark", argument: "seen" }] });
    }
    expect((await store.rules.list(owner)).map((r) => r.name)).toEqual(["p1", "p5a", "p5b", "p9", "off"]);
    await store.rules.put(owner, { name: "p5a", priority: 5, actions: [{ action: "Discard" }] });
    const list = await store.rules.list(owner);
    expect(list.map((r) => r.name)).toEqual(["p1", "p5a", "p5b", "p9", "off"]);
    expect(list[1]?.actions).toEqual([{ action: "Discard" }]);
    await store.rules.remove(owner, "p5a");
    await expect(store.rules.remove(owner, "p5a")).rejects.toMatchObject({ code: "not-found" });
    expect((await store.rules.list(owner)).map((r) => r.name)).toEqual(["p1", "p5b", "p9", "off"]);
  });

  it("keeps domain rules apart from account rules, and delivery gets domain rules first", async () => {
    const domain = await store.domains.require("rules.example");
    await store.rules.add({ domainId: domain.id }, { ...secret, name: "Secret", priority: 9 });
    expect((await store.rules.list({ domainId: domain.id })).map((r) => r.scope)).toEqual(["domain"]);
    const forDelivery = await store.rules.forDelivery(alice.id, domain.id);
    expect(forDelivery.map((r) => `${r.scope}:${r.name}`)).toEqual(["domain:Secret", "account:Secret"]);
    const other = (await store.accounts.add("other@rules.example", { password: "pw" })).account;
    expect((await store.rules.forDelivery(other.id, domain.id)).map((r) => r.scope)).toEqual(["domain"]);
  });
});
