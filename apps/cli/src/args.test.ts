import { describe, expect, it } from "vitest";
import { flagValue, flagValues, hasFlag, parseArgs } from "./args.js";
import { UsageError } from "./errors.js";

const spec = { pfx: "string", "password-env": "string", json: "boolean" } as const;

describe("parseArgs", () => {
  it("keeps positionals and the order of repeated flags", () => {
    const a = parseArgs(
      ["x.eml", "--pfx", "a.p12", "--password-env", "A", "--pfx=b.p12", "--password-env", "B", "--json"],
      spec,
      "u",
    );
    expect(a.positionals).toEqual(["x.eml"]);
    expect(flagValues(a, "pfx")).toEqual(["a.p12", "b.p12"]);
    expect(a.order.map((o) => o.name)).toEqual(["pfx", "password-env", "pfx", "password-env", "json"]);
    expect(hasFlag(a, "json")).toBe(true);
  });

  it("refuses unknown flags, missing values, and repeated single flags", () => {
    expect(() => parseArgs(["--nope"], spec, "u")).toThrow(UsageError);
    expect(() => parseArgs(["--pfx"], spec, "u")).toThrow(/needs a value/);
    expect(() => flagValue(parseArgs(["--pfx", "a", "--pfx", "b"], spec, "u"), "pfx", "u")).toThrow(
      /more than once/,
    );
  });
});
