import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type PostgresCluster,
  startPostgresCluster,
} from "../../../../tooling/test-support/postgres-cluster.js";
import { launchBrowser, type Sealbox, signIn, startSealbox, unlock } from "./harness.js";
import "./locator-matchers.js";

const LOGIN = "login password 2";
const SMP = "a Secure Mail Password";

/**
 * Several web processes on one PostgreSQL store serve the same sessions: sign in and unlock
 * on one, read encrypted mail on the other, log out on the other and the first is signed out.
 */
describe("two web processes on PostgreSQL", () => {
  let cluster: PostgresCluster;
  let sb: Sealbox;
  let browser: Browser;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    sb = await startSealbox({ store: cluster.url, secret: "a shared server secret for every node" });
    browser = await launchBrowser();
    sb.cli(["account", "add", "erin@example.test", "--password-env", "LOGIN", "--name", "Erin Example"], {
      env: { LOGIN },
    });
    sb.cli(["secure-mail", "generate", "erin@example.test", "--secure-password-env", "SMP"], {
      env: { SMP },
    });
    sb.cli([
      "rule",
      "add",
      "erin@example.test",
      "--name",
      "all",
      "--if",
      "Subject is *",
      "--then",
      "Store Encrypted in INBOX",
    ]);
    sb.cli(["deliver", "erin@example.test"], {
      input:
        "From: frank@elsewhere.test\r\nTo: erin@example.test\r\nSubject: sealed on arrival\r\n\r\nThe vault opens at dawn.\r\n",
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.stop();
    await cluster?.stop();
  });

  it("shares the session and its unlock between processes, and logout ends it everywhere", async () => {
    const second = await sb.startSecondWeb();
    try {
      const { context, page } = await signIn(browser, sb.url, "erin@example.test", LOGIN);
      await unlock(page, SMP);
      await page.goto(`${second.url}/mail/INBOX`);
      await expect(page.getByText("Secure Mail is Unlocked")).toBeVisible();
      await page
        .getByRole("link", { name: /sealed on arrival/ })
        .first()
        .click();
      await expect(page.getByText("Encrypted AES-256-CBC")).toBeVisible();
      await expect(page.getByText("The vault opens at dawn.")).toBeVisible();
      await page.getByRole("button", { name: "Log Out" }).click();
      await expect(page.getByLabel("Account")).toBeVisible();
      await page.goto(`${sb.url}/mail/INBOX`);
      await expect(page.getByLabel("Account")).toBeVisible();
      await context.close();
    } finally {
      await second.stop();
    }
  });
});
