import { describe, expect, it } from "vitest";
import { CoreError, isCoreError } from "./errors.js";

describe("CoreError", () => {
  it("carries a code and is recognised by isCoreError", () => {
    const error = new CoreError("malformed", "bad DER");
    expect(error.code).toBe("malformed");
    expect(isCoreError(error)).toBe(true);
    expect(isCoreError(error, "malformed")).toBe(true);
    expect(isCoreError(error, "corrupt")).toBe(false);
    expect(isCoreError(new Error("x"))).toBe(false);
  });
});
