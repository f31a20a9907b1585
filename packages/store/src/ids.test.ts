import { describe, expect, it } from "vitest";
import { newId } from "./ids.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millis = (id: string) => Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16);

describe("row ids", () => {
  it("are UUIDv7 carrying the time given", () => {
    const now = Date.now() + 10_000;
    const id = newId(now);
    expect(id).toMatch(UUID_V7);
    expect(millis(id)).toBe(now);
  });

  it("made in one millisecond, or with a clock that goes back, still sort in the order made", () => {
    const now = Date.now() + 20_000;
    const ids = Array.from({ length: 10_000 }, (_, i) => newId(i === 5_000 ? now - 1_000 : now));
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // Past the counter's top the timestamp moves on by one millisecond at a time, no further.
    expect(millis(ids.at(-1) as string) - now).toBeLessThan(10);
  });
});
