import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import "./e2e/locator-matchers.js";

const root = resolve(import.meta.dirname, "../../..");

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (typeof a === "object" && a ? ok(a.port) : fail(new Error("no port"))));
    });
  });
}

async function portOpen(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * The README's start command, run as a newcomer would, then the page loaded in real
 * headless Chromium. Ctrl-C (SIGINT) must stop the web UI and the worker.
 */
describe("README start command", () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("serves the sign-in page with a strict CSP, the store answers over tRPC, and it stops on Ctrl-C", async () => {
    const home = mkdtempSync(join(tmpdir(), "sealbox-start-"));
    const webPort = await freePort();
    const smtpPort = await freePort();
    child = spawn("bash", [join(root, "scripts/start")], {
      cwd: tmpdir(),
      env: {
        ...process.env,
        SEALBOX_HOME: home,
        SEALBOX_STORE: "",
        SEALBOX_WEB_PORT: String(webPort),
        SEALBOX_SMTP_PORT: String(smtpPort),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    const started = Date.now();
    while (!(output.includes(`http://localhost:${webPort}`) && (await portOpen(webPort)))) {
      if (child.exitCode !== null) throw new Error(`start exited early:\n${output}`);
      if (Date.now() - started > 240_000) throw new Error(`not serving after 240 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(output).toContain("account add");

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage();
      const response = await page.goto(`http://localhost:${webPort}/`);
      // Signed out, any page is the sign-in form; every response carries a CSP without inline script.
      await expect(page.getByLabel("Account")).toBeVisible({ timeout: 30_000 });
      await expect(page.getByRole("button", { name: "Log In" })).toBeVisible();
      const csp = response?.headers()["content-security-policy"] ?? "";
      expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      // The store behind it answers (the tRPC route reads its schema version).
      const info = await page.evaluate(async () => (await fetch("/api/trpc/system.info")).json());
      expect(info.result.data.schemaVersion).toBeGreaterThan(0);
      expect(info.result.data.store).toBe("sqlite");
    } finally {
      await browser.close();
    }

    const stopAt = Date.now();
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child?.once("exit", (c) => r(c)));
    expect(code).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(15_000);
    expect(output).toContain("worker stopped");
    expect(await portOpen(webPort)).toBe(false);
  }, 300_000);
});
