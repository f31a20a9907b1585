import { describe, expect, expectTypeOf, it } from "vitest";
import { UsageError } from "./errors.js";
import { arity, asksForHelp, flag, type Positionals, parseArgv, usageLine, value } from "./options.js";

const spec = {
  pfx: value("FILE.p12", { repeat: true }),
  "password-env": value("VAR", { repeat: true }),
  out: value("FILE", { required: true }),
  cipher: value("NAME", { choices: ["AES-256-CBC", "AES-128-GCM"] }),
  json: flag(),
};

describe("parseArgv", () => {
  it("gives typed values, keeps positionals and the order of repeated options", () => {
    const a = parseArgv(
      [
        "x.eml",
        "--pfx",
        "a.p12",
        "--password-env",
        "A",
        "--pfx=b.p12",
        "--password-env",
        "B",
        "--out",
        "o",
        "--json",
      ],
      spec,
      { pattern: "FILE.eml" },
    );
    expect(a.positionals).toEqual(["x.eml"]);
    expect(a.options).toEqual({
      pfx: ["a.p12", "b.p12"],
      "password-env": ["A", "B"],
      out: "o",
      cipher: undefined,
      json: true,
    });
    expect(a.order.map((o) => o.name)).toEqual(["pfx", "password-env", "pfx", "password-env", "out", "json"]);
  });

  it("takes everything after -- as a positional", () => {
    const a = parseArgv(["--out", "o", "--", "--json"], spec, { pattern: "FILE" });
    expect(a.positionals).toEqual(["--json"]);
    expect(a.options.json).toBe(false);
  });

  it.each([
    [["--nope", "--out", "o", "x"], /^unknown flag --nope$/],
    [["x", "--out"], /^--out needs a value \(FILE\)$/],
    [["x"], /^--out is required$/],
    [["x", "--out", "a", "--out", "b"], /^--out given more than once$/],
    [["x", "--out", "o", "--json=yes"], /^--json takes no value$/],
    [
      ["x", "--out", "o", "--cipher", "RC4"],
      /^--cipher takes one of AES-256-CBC, AES-128-GCM \(got "RC4"\)$/,
    ],
    [["--out", "o"], /^expected one message file$/],
    [["x", "y", "--out", "o"], /^unexpected "y"$/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArgv(argv, spec, { pattern: "FILE.eml", expect: "one message file" })).toThrow(
      UsageError,
    );
    expect(() => parseArgv(argv, spec, { pattern: "FILE.eml", expect: "one message file" })).toThrow(message);
  });

  it("does not take an inherited property name for an option", () => {
    expect(() => parseArgv(["--constructor", "x"], {}, { pattern: "" })).toThrow(
      /unknown flag --constructor/,
    );
  });
});

describe("asksForHelp", () => {
  it.each([
    [["--help"], true],
    [["x", "-h"], true],
    [["--out", "-h"], false],
    [["--out=o", "--help"], true],
    [["--json", "--help"], true],
    [["--", "--help"], false],
  ])("%j: %s", (argv, expected) => {
    expect(asksForHelp(argv, spec)).toBe(expected);
  });
});

describe("arity and usage come from the declaration", () => {
  it.each([
    ["", { min: 0, max: 0 }],
    ["FILE", { min: 1, max: 1 }],
    ["[DOMAIN]", { min: 0, max: 1 }],
    ["ACCOUNT MAILBOX [ID]", { min: 2, max: 3 }],
    ["ACCOUNT MAILBOX FILE...", { min: 3, max: Number.POSITIVE_INFINITY }],
    ["[FILE...]", { min: 0, max: Number.POSITIVE_INFINITY }],
  ])("%j", (pattern, expected) => {
    expect(arity(pattern)).toEqual(expected);
  });

  it("types the positionals from the pattern (checked by tsc)", () => {
    expectTypeOf<Positionals<"FILE">>().toEqualTypeOf<[string]>();
    expectTypeOf<Positionals<"ACCOUNT MAILBOX [ID]">>().toEqualTypeOf<[string, string, string?]>();
    expectTypeOf<Positionals<"ACCOUNT MAILBOX FILE...">>().toEqualTypeOf<
      [string, string, string, ...string[]]
    >();
    expectTypeOf<Positionals<"">>().toEqualTypeOf<[]>();
    const { options, positionals } = parseArgv(["a", "--out", "o"], spec, { pattern: "FILE [MORE]" });
    expectTypeOf(positionals).toEqualTypeOf<[string, string?]>();
    expectTypeOf(options.out).toEqualTypeOf<string>();
    expectTypeOf(options.pfx).toEqualTypeOf<string[]>();
    expectTypeOf(options.cipher).toEqualTypeOf<string | undefined>();
    expectTypeOf(options.json).toEqualTypeOf<boolean>();
    expect(positionals).toEqual(["a"]);
  });

  it("lists required options first, then the rest as declared, with their placeholders", () => {
    expect(usageLine("smime protect", "FILE.eml", spec)).toBe(
      "sealbox smime protect FILE.eml --out FILE [--pfx FILE.p12]... [--password-env VAR]... [--cipher AES-256-CBC|AES-128-GCM] [--json]",
    );
  });
});
