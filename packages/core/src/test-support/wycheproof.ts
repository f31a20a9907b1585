import { expect } from "vitest";
import { readVectors } from "./external-vectors.js";

/**
 * Project Wycheproof (C2SP) vector files, trimmed to what core supports, read from the shared
 * vectors folder (external-vectors.ts). Every "valid" and "invalid" vector must come out as
 * Wycheproof says; "acceptable" ones (legal but dubious inputs) must come out as the caller's
 * documented policy for their flags says (`acceptable`: flag → accepted or not).
 */
export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: "valid" | "invalid" | "acceptable";
  [field: string]: unknown;
}

export interface WycheproofGroup {
  tests: WycheproofTest[];
  [field: string]: unknown;
}

export interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: WycheproofGroup[];
}

export const hex = (value: unknown): Buffer => Buffer.from(value as string, "hex");

export function readWycheproof(name: string): WycheproofFile {
  return readVectors<WycheproofFile>(`wycheproof/${name}.json`);
}

/**
 * Runs `accepts` on every vector of `name` and checks the outcome; returns how many ran.
 * `accepts` returns true when core accepts the input (decrypts to the expected plaintext,
 * verifies the signature, …), false when it refuses it.
 */
export function checkWycheproof(
  name: string,
  accepts: (test: WycheproofTest, group: WycheproofGroup) => boolean,
  acceptable: Readonly<Record<string, boolean>> = {},
): number {
  const file = readWycheproof(name);
  const wrong: string[] = [];
  let count = 0;
  for (const group of file.testGroups) {
    for (const test of group.tests) {
      count++;
      const got = accepts(test, group);
      let want: boolean;
      if (test.result === "acceptable") {
        const policy = test.flags.map((f) => acceptable[f]).find((p) => p !== undefined);
        if (policy === undefined) {
          wrong.push(
            `#${test.tcId} acceptable with undocumented flags ${test.flags.join(",")} (core ${got ? "accepts" : "refuses"})`,
          );
          continue;
        }
        want = policy;
      } else want = test.result === "valid";
      if (got !== want)
        wrong.push(
          `#${test.tcId} ${test.result} [${test.flags.join(",")}] ${test.comment}: core ${got ? "accepts" : "refuses"}`,
        );
    }
  }
  expect(wrong, `${name}: vectors core gets wrong`).toEqual([]);
  expect(count).toBe(file.numberOfTests);
  return count;
}
