import type { Locator } from "playwright-core";
import { expect } from "vitest";

/**
 * The few Playwright web-first assertions the browser tests use, for vitest's expect: each
 * waits (polls) until the condition holds or the timeout passes, like @playwright/test's.
 */
interface Wait {
  timeout?: number;
}

declare module "vitest" {
  interface Assertion<T> {
    toBeVisible(options?: Wait): Promise<T>;
    toHaveCount(count: number, options?: Wait): Promise<T>;
    toContainText(text: string | RegExp, options?: Wait): Promise<T>;
  }
}

const DEFAULT_TIMEOUT = 15_000;

async function poll(check: () => Promise<boolean>, timeout: number): Promise<boolean> {
  const until = Date.now() + timeout;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

expect.extend({
  async toBeVisible(locator: Locator, options: Wait = {}) {
    const pass = await poll(() => locator.first().isVisible(), options.timeout ?? DEFAULT_TIMEOUT);
    return { pass, message: () => `expected ${locator} ${pass ? "not " : ""}to be visible` };
  },
  async toHaveCount(locator: Locator, count: number, options: Wait = {}) {
    let last = -1;
    const pass = await poll(async () => {
      last = await locator.count();
      return last === count;
    }, options.timeout ?? DEFAULT_TIMEOUT);
    return { pass, message: () => `expected ${locator} to match ${count} elements, found ${last}` };
  },
  async toContainText(locator: Locator, text: string | RegExp, options: Wait = {}) {
    let last = "";
    const pass = await poll(async () => {
      last = (await locator.first().textContent()) ?? "";
      return typeof text === "string" ? last.includes(text) : text.test(last);
    }, options.timeout ?? DEFAULT_TIMEOUT);
    return {
      pass,
      message: () => `expected ${locator} to contain ${String(text)}, got "${last.slice(0, 300)}"`,
    };
  },
});
