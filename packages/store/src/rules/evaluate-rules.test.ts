import { describe, expect, it } from "vitest";
import { readHeader } from "../mail/header-reader.js";
import type { SecurityKind } from "../schema.js";
import { conditionMatches, evaluateRules, type RuleMessage, type ScopedRule } from "./evaluate-rules.js";
import { globMatch } from "./glob.js";
import { parseActionText, parseConditionText, ruleText } from "./rule-text.js";
import { parseSize, type RuleCondition, validateRule } from "./rule-types.js";

function msg(header: string, options: { size?: number; security?: SecurityKind } = {}): RuleMessage {
  const raw = Buffer.from(`${header.trim().replace(/\n/g, "\r\n")}\r\n\r\nbody\r\n`);
  return {
    headers: readHeader(raw).fields,
    size: options.size ?? raw.length,
    security: options.security ?? "plain",
  };
}

const sample = msg(`
From: "Boss, The" <Boss@Example.com>
Sender: list-bounces@lists.example.org
To: alice@example.com, =?utf-8?q?J=C3=B6rg?= <joerg@partner.org>
Cc: team@example.com
Reply-To: replies@example.net
Subject: =?utf-8?q?Top_secret=3A_plans?=
X-Spam: yes, score=9
X-Spam: second
`);

const when = (text: string, m: RuleMessage = sample) =>
  conditionMatches(
    validateRule({ name: "t", conditions: [parseConditionText(text)], actions: [{ action: "Discard" }] })
      .conditions[0] as RuleCondition,
    m,
  );

describe("glob patterns", () => {
  it("matches * anywhere, case-insensitively, nothing else special", () => {
    expect(globMatch("*secret*", "Top SECRET plans")).toBe(true);
    expect(globMatch("boss@*", "boss@example.com")).toBe(true);
    expect(globMatch("*@example.com", "x@example.com.evil")).toBe(false);
    expect(globMatch("a*b*c", "aXXbYYc")).toBe(true);
    expect(globMatch("a*b*c", "aXXbYY")).toBe(false);
    expect(globMatch("", "")).toBe(true);
    expect(globMatch("*", "")).toBe(true);
    expect(globMatch("a.c", "abc")).toBe(false);
    expect(globMatch("(x)+?", "(x)+?")).toBe(true);
  });

  it("stays fast on patterns that make backtracking regexes explode", () => {
    const started = performance.now();
    expect(globMatch(`${"*a".repeat(30)}*b`, "a".repeat(20_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("conditions", () => {
  it("address fields match the bare address, the display name or the whole header", () => {
    expect(when("From is boss@example.com")).toBe(true);
    expect(when("From is *boss, the*")).toBe(true);
    expect(when('From is "Boss, The" <Boss@Example.com>')).toBe(true);
    expect(when("From is *@example.org")).toBe(false);
    expect(when("Sender is list-bounces@*")).toBe(true);
    expect(when("Reply-To is replies@example.net")).toBe(true);
    expect(when("Cc is team@example.com")).toBe(true);
  });

  it("To matches if any recipient does; is not holds only if none does", () => {
    expect(when("To is joerg@partner.org")).toBe(true);
    expect(when("To is Jörg")).toBe(true);
    expect(when("To is not joerg@partner.org")).toBe(false);
    expect(when("To is not nobody@x.org")).toBe(true);
  });

  it("Any To or Cc looks at both", () => {
    expect(when("Any To or Cc is team@example.com")).toBe(true);
    expect(when("Any To or Cc is alice@*")).toBe(true);
    expect(when("Any To or Cc is replies@example.net")).toBe(false);
  });

  it("in / not in take a comma-separated list of patterns", () => {
    expect(when("From in *@example.com, boss@*")).toBe(true);
    expect(when("From in a@b.c,  *@partner.org")).toBe(false);
    expect(when("From not in a@b.c, *@partner.org")).toBe(true);
    expect(when("From not in *@EXAMPLE.COM")).toBe(false);
  });

  it("Subject is decoded before matching; a missing Subject is empty", () => {
    expect(when("Subject is *secret*")).toBe(true);
    expect(when("Subject is top secret: plans")).toBe(true);
    expect(when("Subject is not *secret*")).toBe(false);
    expect(when("Subject is", msg("From: a@b.c"))).toBe(true);
    expect(when("Subject is *", msg("From: a@b.c"))).toBe(true);
  });

  it("a header the message lacks: is fails, is not holds", () => {
    const bare = msg("Subject: x");
    expect(when("From is *", bare)).toBe(false);
    expect(when("From is not *", bare)).toBe(false === when("From is *", bare));
    expect(when("Header Field is X-Nope: *", bare)).toBe(false);
    expect(when("Header Field is not X-Nope: *", bare)).toBe(true);
  });

  it("Header Field takes `Name: pattern` and looks at every occurrence", () => {
    expect(when("Header Field is X-Spam: yes*")).toBe(true);
    expect(when("Header Field is x-spam: SECOND")).toBe(true);
    expect(when("Header Field is X-Spam: no*")).toBe(false);
    expect(when("Header Field in X-Spam: maybe, second")).toBe(true);
  });

  it("Message Size compares bytes, with K/M/G suffixes", () => {
    expect(parseSize("500")).toBe(500);
    expect(parseSize("10K")).toBe(10_240);
    expect(parseSize("2.5m")).toBe(2_621_440);
    expect(parseSize("1 GB")).toBe(1024 ** 3);
    expect(() => parseSize("big")).toThrow(/not a size/);
    const big = msg("Subject: x", { size: 3 * 1024 * 1024 });
    expect(when("Message Size greater than 2M", big)).toBe(true);
    expect(when("Message Size less than 2M", big)).toBe(false);
    expect(when("Message Size greater than 3M", big)).toBe(false);
    expect(when("Message Size less than 3145729", big)).toBe(true);
  });

  it("Security compares the kind exactly; a wildcard can catch both encrypted kinds", () => {
    const se = msg("Subject: x", { security: "signed+encrypted" });
    expect(when("Security is encrypted", se)).toBe(false);
    expect(when("Security is *encrypted", se)).toBe(true);
    expect(when("Security in signed, signed+encrypted", se)).toBe(true);
    expect(when("Security is plain")).toBe(true);
    expect(when("Security is not plain")).toBe(false);
  });
});

describe("rule validation and text forms (the public contract)", () => {
  it("parses the CLI's one-line forms, longest names first", () => {
    expect(parseConditionText("Subject is not *x*")).toEqual({
      field: "Subject",
      op: "is not",
      value: "*x*",
    });
    expect(parseConditionText("any to or cc not in a@b.c, d@e.f")).toEqual({
      field: "Any To or Cc",
      op: "not in",
      value: "a@b.c, d@e.f",
    });
    expect(parseConditionText("Message Size greater than 10M")).toEqual({
      field: "Message Size",
      op: "greater than",
      value: "10M",
    });
    expect(parseActionText("Store Encrypted in INBOX")).toEqual({
      action: "Store Encrypted in",
      argument: "INBOX",
    });
    expect(parseActionText("store in Archive/2024")).toEqual({
      action: "Store in",
      argument: "Archive/2024",
    });
    expect(parseActionText("Stop Processing")).toEqual({ action: "Stop Processing" });
    expect(() => parseConditionText("Body is x")).toThrow(/a condition starts with/);
    expect(() => parseConditionText("Subject contains x")).toThrow(/after Subject comes/);
    expect(() => parseActionText("Forward to x@y")).toThrow(/an action is one of/);
  });

  it("canonicalises names, defaults priority to 5, and reads inactive", () => {
    const rule = validateRule({
      name: " r ",
      conditions: [{ field: "subject", op: "IS", value: " *x* " }],
      actions: [
        { action: "store encrypted IN", argument: "inbox" },
        { action: "mark", argument: "Seen, flagged" },
      ],
    });
    expect(rule).toEqual({
      name: "r",
      priority: 5,
      match: "all",
      conditions: [{ field: "Subject", op: "is", value: "*x*" }],
      actions: [
        { action: "Store Encrypted in", argument: "INBOX" },
        { action: "Mark", argument: "seen, flagged" },
      ],
      stop: false,
    });
    expect(
      validateRule({ name: "r", priority: "inactive", actions: [{ action: "Discard" }] }).priority,
    ).toBeNull();
    expect(validateRule({ name: "r", priority: null, actions: [{ action: "Discard" }] }).priority).toBeNull();
    expect(validateRule({ name: "r", priority: "3", actions: [{ action: "Discard" }] }).priority).toBe(3);
    expect(ruleText(rule)).toBe("if Subject is *x* then Store Encrypted in INBOX, Mark seen, flagged");
  });

  it("refuses what cannot work, saying why", () => {
    const base = { name: "r", actions: [{ action: "Discard" }] };
    expect(() => validateRule({ ...base, name: "" })).toThrow(/needs a name/);
    expect(() => validateRule({ ...base, priority: 0 })).toThrow(/priority/);
    expect(() => validateRule({ ...base, priority: 10 })).toThrow(/priority/);
    expect(() => validateRule({ name: "r", actions: [] })).toThrow(/at least one action/);
    expect(() =>
      validateRule({ ...base, conditions: [{ field: "Subject", op: "greater than", value: "1" }] }),
    ).toThrow(/takes is, is not/);
    expect(() =>
      validateRule({ ...base, conditions: [{ field: "Message Size", op: "is", value: "1" }] }),
    ).toThrow(/greater than/);
    expect(() =>
      validateRule({ ...base, conditions: [{ field: "Message Size", op: "less than", value: "lots" }] }),
    ).toThrow(/not a size/);
    expect(() =>
      validateRule({ ...base, conditions: [{ field: "Header Field", op: "is", value: "no colon" }] }),
    ).toThrow(/Name: value/);
    expect(() =>
      validateRule({ ...base, conditions: [{ field: "Security", op: "is", value: "secret" }] }),
    ).toThrow(/Security is one of/);
    expect(() => validateRule({ name: "r", actions: [{ action: "Store in" }] })).toThrow(/mailbox name/);
    expect(() => validateRule({ name: "r", actions: [{ action: "Mark", argument: "read" }] })).toThrow(
      /unknown mark/,
    );
    expect(() =>
      validateRule({ name: "r", actions: [{ action: "Add Header", argument: "Bad Name: x" }] }),
    ).toThrow(/Name: value/);
    expect(() =>
      validateRule({ name: "r", actions: [{ action: "Add Header", argument: "X-A: 1\r\nBcc: evil@x" }] }),
    ).toThrow(/one line/);
    expect(() => validateRule({ name: "r", actions: [{ action: "Discard", argument: "now" }] })).toThrow(
      /takes no argument/,
    );
  });
});

const rule = (
  scope: "domain" | "account",
  name: string,
  priority: number | null,
  conditions: string[],
  actions: string[],
  stop = false,
): ScopedRule => ({
  ...validateRule({
    name,
    priority,
    conditions: conditions.map(parseConditionText),
    actions: actions.map(parseActionText),
    stop,
  }),
  scope,
});

describe("evaluateRules", () => {
  it("runs domain rules first, then account rules, each by priority; inactive rules never", () => {
    const actions = evaluateRules(
      [
        rule("account", "a9", 9, [], ["Mark flagged"]),
        rule("account", "a1", 1, [], ["Store in A1"]),
        rule("domain", "d5", 5, [], ["Add Header X-D: 5"]),
        rule("account", "off", null, [], ["Discard"]),
        rule("domain", "d2", 2, [], ["Mark seen"]),
      ],
      sample,
    );
    expect(actions.map((a) => `${a.scope}:${a.rule}:${a.action}`)).toEqual([
      "domain:d2:Mark",
      "domain:d5:Add Header",
      "account:a1:Store in",
      "account:a9:Mark",
    ]);
  });

  it("keeps the given order among equal priorities", () => {
    const actions = evaluateRules(
      [rule("account", "first", 5, [], ["Store in X"]), rule("account", "second", 5, [], ["Store in Y"])],
      sample,
    );
    expect(actions.map((a) => a.argument)).toEqual(["X", "Y"]);
  });

  it("skips rules whose conditions do not all match (or none, with match any)", () => {
    const all = rule("account", "all", 5, ["Subject is *secret*", "From is nobody@x"], ["Discard"]);
    const any = { ...all, name: "any", match: "any" as const };
    expect(evaluateRules([all], sample)).toEqual([]);
    expect(evaluateRules([any], sample).map((a) => a.rule)).toEqual(["any"]);
  });

  it("a rule without conditions matches every message", () => {
    expect(evaluateRules([rule("account", "always", 5, [], ["Mark seen"])], msg("Subject: x"))).toHaveLength(
      1,
    );
  });

  it("Stop Processing ends everything after it, including the rest of its own rule", () => {
    const actions = evaluateRules(
      [
        rule("domain", "d", 1, [], ["Mark seen", "Stop Processing", "Discard"]),
        rule("account", "a", 1, [], ["Store in Never"]),
      ],
      sample,
    );
    expect(actions.map((a) => a.action)).toEqual(["Mark"]);
  });

  it("the stop flag ends processing after the rule's actions", () => {
    const actions = evaluateRules(
      [
        rule("account", "s", 1, ["Subject is *secret*"], ["Store Encrypted in INBOX", "Mark flagged"], true),
        rule("account", "later", 2, [], ["Discard"]),
      ],
      sample,
    );
    expect(actions.map((a) => a.action)).toEqual(["Store Encrypted in", "Mark"]);
    // When the stopping rule does not match, later rules run.
    expect(
      evaluateRules(
        [
          rule("account", "s", 1, ["Subject is nope"], ["Discard"], true),
          rule("account", "later", 2, [], ["Mark seen"]),
        ],
        sample,
      ).map((a) => a.rule),
    ).toEqual(["later"]);
  });

  it("is pure: the same input gives the same output and the rules are not changed", () => {
    const rules = [rule("account", "b", 3, [], ["Mark seen"]), rule("domain", "a", 9, [], ["Mark flagged"])];
    const copy = structuredClone(rules);
    expect(evaluateRules(rules, sample)).toEqual(evaluateRules(rules, sample));
    expect(rules).toEqual(copy);
  });
});
