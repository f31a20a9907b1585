import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "./locator-matchers.js";
import {
  launchBrowser,
  PHONE,
  type Sealbox,
  screenshot,
  signIn,
  startSealbox,
  swaks,
  unlock,
} from "./harness.js";

const LOGIN = "login password 1";
const ALICE_SMP = "alice's Secure Mail Password";
const BOB_SMP = "bob's Secure Mail Password";

/** The checkbox with that label, once it is checked. */
const checked = (page: Page, label: string) => page.getByLabel(label).and(page.locator(":checked"));

interface Listed {
  id: string;
  subject: string;
  security: string;
  cipher: string | null;
}

/**
 * Settings → General / Password / Compose / Rules in real headless Chromium against Sealbox
 * started as the README starts it (one start for the file; the steps build on each other):
 * a Store Encrypted rule made in the browser is the rule `sealbox rule` lists and runs on mail
 * sent with swaks; the Encryption Method chosen in Settings → Compose is what Send Encrypted
 * uses; S/MIME off for the domain leaves no Secure Mail control anywhere.
 */
describe("settings and rules in a browser", () => {
  let sb: Sealbox;
  let browser: Browser;
  let alice: Page;

  const list = (mailbox: string): Listed[] =>
    JSON.parse(sb.cli(["message", "list", "alice@example.test", mailbox, "--json"]).stdout);
  const settingsPage = async (page: Page, name: string) => {
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page.getByRole("main").getByRole("link", { name, exact: true }).click();
    await page.getByRole("heading", { name, exact: true }).waitFor();
  };
  const lockState = (page: Page) =>
    page
      .getByText(/^Secure Mail is (Locked|Unlocked)$/)
      .first()
      .waitFor();
  const unlockIfLocked = async (page: Page) => {
    await lockState(page);
    if (await page.getByText("Secure Mail is Locked").isVisible()) await unlock(page, ALICE_SMP);
  };

  beforeAll(async () => {
    sb = await startSealbox();
    browser = await launchBrowser();
    const env = { LOGIN, ALICE_SMP, BOB_SMP };
    sb.cli(["account", "add", "alice@example.test", "--password-env", "LOGIN", "--name", "Alice Example"], {
      env,
    });
    sb.cli(["account", "add", "bob@example.test", "--password-env", "LOGIN", "--name", "Bob Example"], {
      env,
    });
    // Keys from the server CA: alice's to store encrypted and send, bob's (in the directory) to encrypt to.
    sb.cli(["secure-mail", "generate", "alice@example.test", "--secure-password-env", "ALICE_SMP"], { env });
    sb.cli(["secure-mail", "generate", "bob@example.test", "--secure-password-env", "BOB_SMP"], { env });
    ({ page: alice } = await signIn(browser, sb.url, "alice@example.test", LOGIN));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.stop();
  });

  it("a Store Encrypted rule made in Settings → Rules is the rule the CLI lists, and it applies to mail sent with swaks", async () => {
    const page = alice;
    await settingsPage(page, "Rules");
    await page.getByRole("button", { name: "New Rule" }).click();
    const form = page.getByRole("form", { name: "New rule" });
    await form.getByLabel("Name").fill("Secret projects");
    await form.getByLabel("Priority").selectOption("2");
    const condition = form.getByRole("group", { name: "Condition 1" });
    await condition.getByLabel("Field", { exact: true }).selectOption("Subject");
    await condition.getByLabel("Operation", { exact: true }).selectOption("is");
    await condition.getByLabel("Value", { exact: true }).fill("*project*");
    const action = form.getByRole("group", { name: "Action 1" });
    await action.getByLabel("Action", { exact: true }).selectOption("Store Encrypted in");
    await action.getByLabel("Mailbox", { exact: true }).selectOption("INBOX");

    // Invalid input is answered at its field, and nothing is saved.
    await form.getByRole("button", { name: "Add Condition" }).click();
    const size = form.getByRole("group", { name: "Condition 2" });
    await size.getByLabel("Field", { exact: true }).selectOption("Message Size");
    await size.getByLabel("Operation", { exact: true }).selectOption("greater than");
    await size.getByLabel("Value", { exact: true }).fill("huge");
    await form.getByRole("button", { name: "Save Rule" }).click();
    await expect(size.getByText(/"huge" is not a size/)).toBeVisible();
    await screenshot(page, "rules-invalid-desktop");
    expect(JSON.parse(sb.cli(["rule", "list", "alice@example.test", "--json"]).stdout)).toEqual([]);
    await form.getByRole("button", { name: "Remove condition 2" }).click();
    await form.getByRole("button", { name: "Save Rule" }).click();
    const item = page.getByRole("listitem", { name: "Secret projects" });
    await expect(item).toContainText("Priority 2");
    await expect(item).toContainText("if Subject is *project* then Store Encrypted in INBOX");
    await screenshot(page, "rules-list-desktop");

    // The same rule in the terminal.
    const rule = {
      name: "Secret projects",
      priority: 2,
      match: "all",
      conditions: [{ field: "Subject", op: "is", value: "*project*" }],
      actions: [{ action: "Store Encrypted in", argument: "INBOX" }],
      stop: false,
    };
    expect(JSON.parse(sb.cli(["rule", "list", "alice@example.test", "--json"]).stdout)).toEqual([rule]);
    expect(sb.cli(["rule", "list", "alice@example.test"]).stdout).toContain(
      "Secret projects: if Subject is *project* then Store Encrypted in INBOX",
    );

    swaks(sb.smtpPort, [
      ...["--to", "alice@example.test", "--from", "dave@elsewhere.test"],
      ...["--header", "Subject: project tulip", "--body", "The tulip budget is 42."],
    ]);
    const stored = list("INBOX").find((m) => m.subject === "project tulip");
    expect(stored?.security).toBe("encrypted");
    await page.getByRole("link", { name: "Mail", exact: true }).click();
    const row = page.getByRole("link", { name: /project tulip/ }).first();
    await expect(row.getByLabel("Encrypted")).toBeVisible();

    // A rule made with `sealbox rule add` shows in the browser; moving it up changes its priority there too.
    sb.cli([
      ...["rule", "add", "alice@example.test", "--name", "From the boss"],
      ...["--if", "From is boss@*", "--then", "Mark flagged"],
    ]);
    await settingsPage(page, "Rules");
    const boss = page.getByRole("listitem", { name: "From the boss" });
    await expect(boss).toContainText("Priority 5");
    await boss.getByRole("button", { name: "Move Up" }).click();
    await expect(boss).toContainText("Priority 2");
    expect(
      JSON.parse(sb.cli(["rule", "list", "alice@example.test", "--json"]).stdout).map(
        (r: { name: string; priority: number }) => `${r.name}:${r.priority}`,
      ),
    ).toEqual(["From the boss:2", "Secret projects:2"]);
    // Edit it in the browser; delete it; the terminal sees each change.
    await boss.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByRole("form", { name: "Edit rule From the boss" });
    await edit.getByRole("group", { name: "Action 1" }).getByLabel("Mark as").selectOption("seen");
    await edit.getByRole("button", { name: "Save Rule" }).click();
    await expect(boss).toContainText("then Mark seen");
    expect(sb.cli(["rule", "list", "alice@example.test"]).stdout).toContain(
      "From the boss: if From is boss@* then Mark seen",
    );
    await boss.getByRole("button", { name: "Delete" }).click();
    await boss.getByRole("button", { name: "Delete Rule" }).click();
    await expect(page.getByRole("listitem", { name: "From the boss" })).toHaveCount(0);
    expect(JSON.parse(sb.cli(["rule", "list", "alice@example.test", "--json"]).stdout)).toEqual([rule]);

    const { context: phone, page: small } = await signIn(browser, sb.url, "alice@example.test", LOGIN, PHONE);
    await small.goto(`${sb.url}/settings/rules`);
    await small.getByRole("button", { name: "New Rule" }).click();
    await screenshot(small, "rules-form-phone");
    await phone.close();
  });

  it("Encryption Method AES-128-GCM from Settings → Compose is what Send Encrypted uses; Always Sign and Encrypt When Possible preset the boxes", async () => {
    const page = alice;
    await settingsPage(page, "Compose");
    await page.getByLabel("Encryption Method").selectOption("AES-128-GCM");
    await page.getByLabel("Always Sign").check();
    await page.getByLabel("Encrypt When Possible").check();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "Settings saved." })).toBeVisible();
    await screenshot(page, "settings-compose-desktop");

    await page.getByRole("link", { name: "Compose", exact: true }).click();
    await unlockIfLocked(page);
    // Always Sign: checked from the start (while unlocked); Send Encrypted waits for recipients.
    await expect(checked(page, "Send Signed")).toBeVisible();
    expect(await page.getByLabel("Send Encrypted").isChecked()).toBe(false);
    // Someone without a certificate: not possible, stays unchecked.
    await page.getByLabel("To", { exact: true }).fill("carol@elsewhere.test");
    await page.waitForTimeout(1500);
    expect(await page.getByLabel("Send Encrypted").isChecked()).toBe(false);
    // Bob has one (the directory): Encrypt When Possible checks it.
    await page.getByLabel("To", { exact: true }).fill("bob@example.test");
    await expect(checked(page, "Send Encrypted")).toBeVisible();
    expect(await page.getByLabel("Send Signed").isChecked()).toBe(true);
    await page.getByLabel("Subject").fill("Cipher check");
    await page.getByLabel("Message").fill("Sent with the method chosen in Settings.");
    await screenshot(page, "compose-defaults-desktop");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.waitForURL(/\/mail\/Sent/, { timeout: 30_000 });
    await page
      .getByRole("link", { name: /Cipher check/ })
      .first()
      .click();
    await expect(page.getByText(/^Encrypted AES-128-GCM$/)).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText("Sent with the method chosen in Settings.")).toBeVisible();
    const sent = list("Sent").find((m) => m.subject === "Cipher check");
    expect(sent).toMatchObject({ security: expect.stringMatching(/encrypted/), cipher: "AES-128-GCM" });
  });

  it("S/MIME off for the domain removes every Secure Mail link, panel and checkbox", async () => {
    // A signed message from bob (Take Certificate) and the plain and encrypted ones: with S/MIME
    // on, their Secure Mail buttons are there, so their absence afterwards means something.
    sb.cli(["send", "bob@example.test", "--sign", "--secure-password-env", "BOB_SMP"], {
      env: { BOB_SMP },
      input:
        "From: Bob Example <bob@example.test>\r\nTo: alice@example.test\r\nSubject: Signed by bob\r\n\r\nSigned words.\r\n",
    });
    swaks(sb.smtpPort, [
      ...["--to", "alice@example.test", "--from", "dave@elsewhere.test"],
      ...["--header", "Subject: Plain hello", "--body", "Nothing secret."],
    ]);
    const page = alice;
    const open = async (subject: string) => {
      await page.goto(`${sb.url}/mail/INBOX`);
      await page
        .getByRole("link", { name: new RegExp(subject) })
        .first()
        .click();
      await page.getByRole("heading", { name: subject }).waitFor();
    };
    await unlockIfLocked(page);
    await open("Signed by bob");
    await expect(page.getByRole("button", { name: "Take Certificate" })).toBeVisible();
    // Bob into the address book with his certificate: Contacts then shows [@] while S/MIME is on.
    await page.getByRole("button", { name: "Take Certificate" }).first().click();
    await page.goto(`${sb.url}/contacts`);
    await expect(page.getByText("[@]")).toBeVisible();
    await expect(page.getByRole("button", { name: "View Certificate" }).first()).toBeVisible();
    await open("Plain hello");
    await expect(page.getByRole("button", { name: "Encrypt", exact: true })).toBeVisible();
    await open("project tulip");
    await expect(page.getByRole("button", { name: "Decrypt", exact: true })).toBeVisible();

    sb.cli(["domain", "set", "example.test", "--smime", "off"]);
    const noSecureMail = async (where: string) => {
      await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
      for (const text of ["Secure Mail is Locked", "Secure Mail is Unlocked"])
        expect(await page.getByText(text).count(), `${where}: ${text}`).toBe(0);
      for (const label of ["Secure Mail Password", "Send Signed", "Send Encrypted"])
        expect(await page.getByLabel(label).count(), `${where}: ${label}`).toBe(0);
      for (const name of [
        /^Unlock$/,
        /^Lock$/,
        /^Take Certificate$/,
        /^Decrypt$/,
        /^Encrypt$/,
        /^(Encrypt|Decrypt) All$/,
      ])
        expect(await page.getByRole("button", { name }).count(), `${where}: ${name}`).toBe(0);
      expect(
        await page.getByRole("link", { name: "Secure Mail" }).count(),
        `${where}: Secure Mail link`,
      ).toBe(0);
      for (const label of ["Encryption Method", "Always Sign", "Encrypt When Possible"])
        expect(await page.getByLabel(label).count(), `${where}: ${label}`).toBe(0);
    };

    await page.goto(`${sb.url}/mail/INBOX`);
    await page
      .getByRole("link", { name: /Plain hello/ })
      .first()
      .waitFor();
    await noSecureMail("Mail");
    await open("Signed by bob");
    await expect(page.getByText("Signed words.")).toBeVisible();
    await noSecureMail("signed message");
    await open("Plain hello");
    await expect(page.getByText("Nothing secret.")).toBeVisible();
    await noSecureMail("plain message");
    await open("project tulip");
    await expect(page.getByText(/Secure Mail is switched off/)).toBeVisible();
    await noSecureMail("encrypted message");
    await page.goto(`${sb.url}/compose`);
    await page.getByLabel("To", { exact: true }).fill("bob@example.test");
    await page.waitForTimeout(1000);
    await noSecureMail("Compose");
    await page.goto(`${sb.url}/settings`);
    await expect(page.getByRole("main").getByRole("link", { name: "Rules", exact: true })).toBeVisible();
    // Settings → Compose holds only Secure Mail settings: not listed either.
    expect(await page.getByRole("main").getByRole("link", { name: "Compose", exact: true }).count()).toBe(0);
    await noSecureMail("Settings");
    await screenshot(page, "settings-smime-off-desktop");
    await page.goto(`${sb.url}/contacts`);
    await expect(page.getByText("bob@example.test").first()).toBeVisible();
    expect(await page.getByText("[@]").count(), "Contacts: [@]").toBe(0);
    expect(
      await page.getByRole("button", { name: "View Certificate" }).count(),
      "Contacts: View Certificate",
    ).toBe(0);
    expect(await page.getByLabel("Certificate File").count(), "Contacts: Certificate File").toBe(0);
    await noSecureMail("Contacts");
    await page.goto(`${sb.url}/settings/compose`);
    await expect(page.getByText(/Secure Mail is switched off/)).toBeVisible();
    await noSecureMail("Settings → Compose");
    await page.goto(`${sb.url}/settings/secure-mail`);
    await expect(page.getByText(/Secure Mail is switched off/)).toBeVisible();
    await noSecureMail("Settings → Secure Mail (typed address)");
    // A new rule offers no Store Encrypted in (the existing one is still listed as it is).
    await page.goto(`${sb.url}/settings/rules`);
    await page.getByRole("button", { name: "New Rule" }).click();
    const actions = await page
      .getByRole("group", { name: "Action 1" })
      .getByLabel("Action", { exact: true })
      .locator("option")
      .allTextContents();
    expect(actions).toEqual(["Store in", "Mark", "Add Header", "Discard", "Stop Processing"]);
  });
});
