import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "./locator-matchers.js";
import {
  DESKTOP,
  launchBrowser,
  openssl,
  PHONE,
  type Sealbox,
  scratch,
  screenshot,
  signIn,
  startSealbox,
  unlock,
} from "./harness.js";

const LOGIN = "login password 1";
const SMP = "alice's Secure Mail Password";
const BOB_SMP = "bob's Secure Mail Password";
const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const COUNT = 200;
const ENV = { LOGIN, SMP, BOB_SMP, FP: "export file password" };

interface Listed {
  id: string;
  subject: string;
  security: string;
}

const subjectOf = (i: number) => `archived ${String(i).padStart(3, "0")}`;
const colonHex = (hex: string) => (hex.toUpperCase().match(/.{2}/g) ?? []).join(":");

/**
 * Bulk work, renewal and the certificate change warning in real headless Chromium against
 * Sealbox started as the README starts it: Encrypt All over 200 messages with progress and
 * Cancel, Renew Key and Certificate then Re-encrypt Stored Mail (checked with the CLI and
 * OpenSSL), and a signer whose certificate changed. The steps build on each other.
 */
describe("bulk encryption, renewal and certificate changes in a browser", () => {
  let sb: Sealbox;
  let browser: Browser;
  let files: string;
  let page: Page;

  const cli = (args: string[], input?: string) => sb.cli(args, { env: ENV, ...(input ? { input } : {}) });
  const listed = (box: string): Listed[] => JSON.parse(cli(["message", "list", ALICE, box, "--json"]).stdout);
  /** Every seeded message exactly once, each encrypted or not; returns how many are encrypted. */
  const exactlyOnce = (box: string): number => {
    const messages = listed(box);
    expect(messages.map((m) => m.subject).sort()).toEqual(
      Array.from({ length: COUNT }, (_, i) => subjectOf(i)),
    );
    for (const m of messages) expect(["plain", "encrypted"]).toContain(m.security);
    return messages.filter((m) => m.security === "encrypted").length;
  };
  const progressOf = async (bar: ReturnType<Page["getByRole"]>) => ({
    now: Number(await bar.getAttribute("aria-valuenow")),
    max: Number(await bar.getAttribute("aria-valuemax")),
  });

  beforeAll(async () => {
    sb = await startSealbox();
    browser = await launchBrowser();
    files = scratch();
    cli(["account", "add", ALICE, "--password-env", "LOGIN", "--name", "Alice Example"]);
    cli(["account", "add", BOB, "--password-env", "LOGIN", "--name", "Bob Example"]);
    // Long enough an unlock for the whole file (the default is 3 minutes).
    cli(["domain", "set", "example.test", "--unlock-seconds", "3600"]);
    cli(["secure-mail", "generate", ALICE, "--secure-password-env", "SMP"]);
    cli(["mailbox", "create", ALICE, "Archive"]);
    // 200 messages of ~250 KB (an attachment's worth of base64): large enough that a run
    // takes a few seconds, so Cancel lands midway.
    const body = Buffer.alloc(190_000, 7).toString("base64").replace(/.{76}/g, "$&\r\n");
    const paths: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const path = join(files, `m${i}.eml`);
      writeFileSync(
        path,
        [
          "From: Carol Example <carol@elsewhere.test>",
          `To: ${ALICE}`,
          `Subject: ${subjectOf(i)}`,
          `Date: Mon, 2 Mar 2026 10:${String(i % 60).padStart(2, "0")}:00 +0000`,
          `Message-ID: <archived-${i}@elsewhere.test>`,
          "MIME-Version: 1.0",
          "Content-Type: application/octet-stream",
          "Content-Transfer-Encoding: base64",
          "",
          body,
          "",
        ].join("\r\n"),
      );
      paths.push(path);
    }
    cli(["message", "append", ALICE, "Archive", ...paths]);
    for (const path of paths) rmSync(path);
    ({ page } = await signIn(browser, sb.url, ALICE, LOGIN));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.stop();
    if (files) rmSync(files, { recursive: true, force: true });
    // A few hundred MB of test mail: not kept after the run.
    if (sb?.home) rmSync(sb.home, { recursive: true, force: true });
  });

  it("Encrypt All on 200 messages shows progress; cancelled midway, each message is there once, encrypted or not", async () => {
    await page.goto(`${sb.url}/mail/Archive`);
    await page.getByText("Secure Mail is Locked").waitFor();
    await expect(page.getByRole("link", { name: /archived \d{3}/ })).toBeVisible();
    // Only while unlocked.
    await expect(page.getByRole("button", { name: "Encrypt All" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Decrypt All" })).toHaveCount(0);
    await unlock(page, SMP);
    await expect(page.getByRole("button", { name: "Decrypt All" })).toBeVisible();

    await page.getByRole("button", { name: "Encrypt All" }).click();
    const bar = page.getByRole("progressbar", { name: "Encrypting Archive" });
    await bar.waitFor();
    expect((await progressOf(bar)).max).toBe(COUNT);
    // Progress as the server reports it, polled: wait for the first messages to be done.
    let seen = 0;
    for (let i = 0; i < 500 && seen === 0; i++) {
      seen = (await progressOf(bar)).now;
      if (seen === 0) await page.waitForTimeout(10);
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(COUNT);
    await expect(page.getByText(new RegExp(`^\\d+ of ${COUNT}$`))).toBeVisible();
    await screenshot(page, "bulk-encrypt-progress-desktop");
    await page.getByRole("button", { name: "Cancel" }).click();
    const outcome = page.getByText(/^Cancelled\. Encrypted \d+ of 200 messages/);
    await expect(outcome).toBeVisible({ timeout: 60_000 });
    await screenshot(page, "bulk-encrypt-cancelled-desktop");
    const done = Number(/Encrypted (\d+) of/.exec((await outcome.textContent()) ?? "")?.[1]);

    const encrypted = exactlyOnce("Archive");
    expect(encrypted).toBe(done);
    expect(encrypted).toBeGreaterThanOrEqual(seen);
    expect(encrypted).toBeLessThan(COUNT);

    // Encrypt All again continues with what is left.
    await page.getByRole("button", { name: "Encrypt All" }).click();
    await expect(
      page.getByText(`Encrypted ${COUNT - encrypted} of ${COUNT - encrypted} messages.`),
    ).toBeVisible({
      timeout: 120_000,
    });
    expect(exactlyOnce("Archive")).toBe(COUNT);
  }, 300_000);

  it("Renew Key and Certificate, then Re-encrypt Stored Mail: every message readable and encrypted to the new key", async () => {
    const before = JSON.parse(cli(["secure-mail", "status", ALICE, "--json"]).stdout) as {
      certificateSha256: string;
      earlierKeys: number;
    };
    await page.goto(`${sb.url}/settings/secure-mail`);
    await page.getByRole("button", { name: "Renew Key and Certificate" }).click();
    // One Secure Mail Password field on the page: the renewal's.
    await expect(page.getByLabel("Secure Mail Password")).toHaveCount(1);
    await page.getByLabel("Secure Mail Password").fill("not the password");
    await page.getByRole("button", { name: "Renew Key and Certificate" }).click();
    await expect(page.getByText("Wrong Secure Mail Password.")).toBeVisible({ timeout: 30_000 });
    await page.getByLabel("Secure Mail Password").fill(SMP);
    await screenshot(page, "renew-desktop");
    await page.getByRole("button", { name: "Renew Key and Certificate" }).click();
    await expect(page.getByText(/Your new key and certificate are in use/)).toBeVisible({ timeout: 60_000 });
    await expect(page.getByText("Earlier keys: 1")).toBeVisible();

    const after = JSON.parse(cli(["secure-mail", "status", ALICE, "--json"]).stdout) as typeof before;
    expect(after.certificateSha256).not.toBe(before.certificateSha256);
    expect(after.earlierKeys).toBe(before.earlierKeys + 1);

    // Re-encrypt Stored Mail is offered at once, one checkbox per folder.
    for (const folder of ["INBOX", "Sent", "Drafts", "Trash", "Archive"])
      await expect(page.getByLabel(folder, { exact: true })).toBeVisible();
    await page.getByLabel("Trash", { exact: true }).uncheck();
    await page.getByRole("button", { name: "Re-encrypt Stored Mail" }).click();
    await expect(page.getByText(`Re-encrypted ${COUNT} of ${COUNT} messages.`)).toBeVisible({
      timeout: 180_000,
    });
    await screenshot(page, "reencrypt-done-desktop");
    expect(exactlyOnce("Archive")).toBe(COUNT);

    // Encrypted to the new key: OpenSSL opens a sample with the exported current key.
    cli([
      ...["secure-mail", "export", ALICE, "--secure-password-env", "SMP"],
      ...["--out", join(files, "new.pfx"), "--file-password-env", "FP"],
    ]);
    const pem = openssl([
      "pkcs12",
      "-in",
      join(files, "new.pfx"),
      "-passin",
      `pass:${ENV.FP}`,
      "-nodes",
    ]).toString();
    writeFileSync(join(files, "new.key"), pem.slice(pem.indexOf("-----BEGIN PRIVATE KEY-----")));
    writeFileSync(join(files, "new.crt"), pem.slice(pem.indexOf("-----BEGIN CERTIFICATE-----")));
    const messages = listed("Archive");
    for (const m of [messages[0], messages[57], messages[COUNT - 1]]) {
      const raw = cli(["message", "show", ALICE, "Archive", m!.id, "--raw"]).stdout;
      writeFileSync(join(files, "sealed.eml"), raw);
      const opened = openssl([
        ...["cms", "-decrypt", "-in", join(files, "sealed.eml")],
        ...["-recip", join(files, "new.crt"), "-inkey", join(files, "new.key")],
      ]).toString();
      expect(opened).toContain(`Subject: ${m!.subject}`);
    }
    // Every message: a second pass finds each one sealed to the current certificate already.
    await page.getByRole("button", { name: "Re-encrypt Stored Mail" }).click();
    await expect(
      page.getByText(
        `Re-encrypted 0 of ${COUNT} messages (${COUNT} already sealed to the current certificate).`,
      ),
    ).toBeVisible({ timeout: 180_000 });
    // And readable in the browser.
    await page.goto(`${sb.url}/mail/Archive`);
    await page.getByRole("link", { name: new RegExp(subjectOf(59)) }).click();
    await expect(page.getByText("Encrypted AES-256-CBC")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole("heading", { name: subjectOf(59) })).toBeVisible();
    await page.setViewportSize(PHONE);
    await screenshot(page, "reencrypted-message-phone");
    await page.setViewportSize(DESKTOP);
  }, 600_000);

  it("a signer whose certificate changed since it was taken: a warning with both fingerprints, and Take Certificate asks first", async () => {
    const bobStatus = () =>
      JSON.parse(cli(["secure-mail", "status", BOB, "--json"]).stdout) as { certificateSha256: string };
    const send = (subject: string) =>
      cli(
        ["send", BOB, "--sign", "--secure-password-env", "BOB_SMP"],
        `From: Bob Example <${BOB}>\r\nTo: ${ALICE}\r\nSubject: ${subject}\r\n\r\nSigned by bob.\r\n`,
      );
    const open = async (subject: string) => {
      await page.goto(`${sb.url}/mail/INBOX`);
      await page
        .getByRole("link", { name: new RegExp(subject) })
        .first()
        .click();
      await page.getByRole("heading", { name: subject }).waitFor();
      await expect(page.getByText("Content Unaltered as Verified By:")).toBeVisible({ timeout: 30_000 });
    };
    cli(["secure-mail", "generate", BOB, "--secure-password-env", "BOB_SMP"]);
    const first = bobStatus().certificateSha256;
    send("with the first key");
    await open("with the first key");
    await expect(page.getByText("Certificate changed since it was taken")).toHaveCount(0);
    await page.getByRole("button", { name: "Take Certificate" }).click();
    await expect(page.getByText(/Certificate taken into the address book/)).toBeVisible();

    // Bob renews his key; his next message carries the new certificate.
    cli(["secure-mail", "generate", BOB, "--secure-password-env", "BOB_SMP"]);
    const second = bobStatus().certificateSha256;
    expect(second).not.toBe(first);
    send("with the second key");
    await open("with the second key");
    // Before any click.
    await expect(page.getByText("Certificate changed since it was taken")).toBeVisible();
    await expect(page.getByText(colonHex(first))).toBeVisible();
    await expect(page.getByText(colonHex(second))).toBeVisible();
    await screenshot(page, "certificate-changed-desktop");
    await page.setViewportSize(PHONE);
    await screenshot(page, "certificate-changed-phone");
    await page.setViewportSize(DESKTOP);

    // Take Certificate replaces the stored one only after confirmation.
    await page.getByRole("button", { name: "Take Certificate" }).click();
    await expect(page.getByRole("button", { name: "Replace Certificate" })).toBeVisible();
    await page.reload();
    await page.getByRole("heading", { name: "with the second key" }).waitFor();
    await expect(page.getByText("Certificate changed since it was taken")).toBeVisible({ timeout: 30_000 });
    await page.getByRole("button", { name: "Take Certificate" }).click();
    await page.getByRole("button", { name: "Replace Certificate" }).click();
    // The warning goes at once (the view asks again), and stays gone after a reload.
    await expect(page.getByText("Certificate changed since it was taken")).toHaveCount(0);
    await expect(page.getByText("Content Unaltered as Verified By:")).toBeVisible();
    await page.reload();
    await page.getByRole("heading", { name: "with the second key" }).waitFor();
    await expect(page.getByText("Content Unaltered as Verified By:")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText("Certificate changed since it was taken")).toHaveCount(0);
  }, 300_000);
});
