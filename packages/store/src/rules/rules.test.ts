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
    const forDelivery = await store.rules.forDelivery(alice.id);
    expect(forDelivery.map((r) => `${r.scope}:${r.name}`)).toEqual(["domain:Secret", "account:Secret"]);
    const other = (await store.accounts.add("other@rules.example", { password: "pw" })).account;
    expect((await store.rules.forDelivery(other.id)).map((r) => r.scope)).toEqual(["domain"]);
  });

  const mark = [{ action: "Mark", argument: "seen" }];
  const names = async (owner: { accountId: string } | { domainId: string }) =>
    (await store.rules.list(owner)).map((r) => `${r.name}:${r.priority ?? "-"}`);

  it("edits a rule by id (also renaming it), only its owner's, and keeps its place", async () => {
    const owner = {
      accountId: (await store.accounts.add("edit@rules.example", { password: "pw" })).account.id,
    };
    const a = await store.rules.add(owner, { name: "a", priority: 5, actions: mark });
    await store.rules.add(owner, { name: "b", priority: 5, actions: mark });
    const edited = await store.rules.update(owner, a.id, {
      name: "renamed",
      priority: 5,
      conditions: [{ field: "subject", op: "IS NOT", value: " x " }],
      actions: [{ action: "store in", argument: "Lists" }],
      stop: true,
    });
    expect(edited).toMatchObject({
      id: a.id,
      name: "renamed",
      conditions: [{ field: "Subject", op: "is not", value: "x" }],
      actions: [{ action: "Store in", argument: "Lists" }],
      stop: true,
    });
    expect(await names(owner)).toEqual(["renamed:5", "b:5"]);
    expect(await store.rules.get(owner, a.id)).toEqual(edited);
    await expect(
      store.rules.update(owner, a.id, { name: "b", priority: 5, actions: mark }),
    ).rejects.toMatchObject({ code: "conflict", field: "name" });
    // Someone else's rule id is no rule of this owner.
    await expect(store.rules.get({ accountId: alice.id }, a.id)).rejects.toMatchObject({ code: "not-found" });
    await expect(
      store.rules.update({ accountId: alice.id }, a.id, { name: "x", actions: mark }),
    ).rejects.toMatchObject({ code: "not-found" });
    await expect(store.rules.removeById({ accountId: alice.id }, a.id)).rejects.toMatchObject({
      code: "not-found",
    });
    const domain = await store.domains.require("rules.example");
    await expect(store.rules.get({ domainId: domain.id }, a.id)).rejects.toMatchObject({ code: "not-found" });
    // A new priority puts it last among the rules of that priority.
    const c = await store.rules.add(owner, { name: "c", priority: 3, actions: mark });
    await store.rules.update(owner, a.id, { name: "renamed", priority: 3, actions: mark });
    expect(await names(owner)).toEqual(["c:3", "renamed:3", "b:5"]);
    await store.rules.removeById(owner, c.id);
    await store.rules.removeById(owner, a.id);
    expect(await names(owner)).toEqual(["b:5"]);
  });

  it("moves rules up and down: swaps within a priority, takes the neighbour's priority across", async () => {
    const owner = {
      accountId: (await store.accounts.add("move@rules.example", { password: "pw" })).account.id,
    };
    const ids: Record<string, string> = {};
    for (const [name, priority] of [
      ["a", 2],
      ["b", 5],
      ["c", 5],
      ["d", 9],
      ["off1", null],
      ["off2", null],
    ] as const)
      ids[name] = (await store.rules.add(owner, { name, priority, actions: mark })).id;
    expect(await names(owner)).toEqual(["a:2", "b:5", "c:5", "d:9", "off1:-", "off2:-"]);
    await store.rules.move(owner, ids.c as string, "up");
    expect(await names(owner)).toEqual(["a:2", "c:5", "b:5", "d:9", "off1:-", "off2:-"]);
    const moved = await store.rules.move(owner, ids.c as string, "up");
    expect(moved.map((r) => `${r.name}:${r.priority}`)).toEqual([
      "c:2",
      "a:2",
      "b:5",
      "d:9",
      "off1:null",
      "off2:null",
    ]);
    expect(await names(owner)).toEqual(["c:2", "a:2", "b:5", "d:9", "off1:-", "off2:-"]);
    await store.rules.move(owner, ids.b as string, "down");
    expect(await names(owner)).toEqual(["c:2", "a:2", "d:9", "b:9", "off1:-", "off2:-"]);
    await expect(store.rules.move(owner, ids.c as string, "up")).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await expect(store.rules.move(owner, ids.b as string, "down")).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await expect(store.rules.move(owner, ids.off1 as string, "up")).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await store.rules.move(owner, ids.off2 as string, "up");
    expect(await names(owner)).toEqual(["c:2", "a:2", "d:9", "b:9", "off2:-", "off1:-"]);
    // The order shown is the order delivery runs them in.
    const delivery = await store.rules.forDelivery(owner.accountId);
    expect(delivery.filter((r) => r.scope === "account").map((r) => r.name)).toEqual([
      "c",
      "a",
      "d",
      "b",
      "off2",
      "off1",
    ]);
    // A new rule goes last among its priority; replacing by name keeps the place.
    await store.rules.add(owner, { name: "e", priority: 2, actions: mark });
    await store.rules.put(owner, { name: "c", priority: 2, actions: [{ action: "Discard" }] });
    expect(await names(owner)).toEqual(["c:2", "a:2", "e:2", "d:9", "b:9", "off2:-", "off1:-"]);
    await expect(store.rules.move({ accountId: alice.id }, ids.a as string, "up")).rejects.toMatchObject({
      code: "not-found",
    });
  });

  it("names the field an invalid rule is wrong in", async () => {
    const owner = { accountId: alice.id };
    const cases: Array<[unknown, string]> = [
      [{ name: "", actions: mark }, "name"],
      [{ name: "x", priority: 10, actions: mark }, "priority"],
      [{ name: "x", actions: [] }, "actions"],
      [
        { name: "x", conditions: [{ field: "Body", op: "is", value: "" }], actions: mark },
        "conditions.0.field",
      ],
      [
        { name: "x", conditions: [{ field: "Subject", op: "greater than", value: "1" }], actions: mark },
        "conditions.0.op",
      ],
      [
        {
          name: "x",
          conditions: [
            { field: "Subject", op: "is", value: "a" },
            { field: "Message Size", op: "less than", value: "lots" },
          ],
          actions: mark,
        },
        "conditions.1.value",
      ],
      [
        { name: "x", conditions: [{ field: "Header Field", op: "is", value: "no colon" }], actions: mark },
        "conditions.0.value",
      ],
      [
        { name: "x", conditions: [{ field: "Security", op: "is", value: "secret" }], actions: mark },
        "conditions.0.value",
      ],
      [{ name: "x", actions: [{ action: "Explode" }] }, "actions.0.action"],
      [
        { name: "x", actions: [...mark, { action: "Store Encrypted in", argument: "" }] },
        "actions.1.argument",
      ],
      [{ name: "x", actions: [{ action: "Mark", argument: "urgent" }] }, "actions.0.argument"],
      [{ name: "x", actions: [{ action: "Add Header", argument: "novalue" }] }, "actions.0.argument"],
      [{ name: "x", actions: [{ action: "Discard", argument: "INBOX" }] }, "actions.0.argument"],
    ];
    for (const [rule, field] of cases)
      await expect(store.rules.add(owner, rule), JSON.stringify(rule)).rejects.toMatchObject({
        code: "invalid-argument",
        field,
      });
  });
});
