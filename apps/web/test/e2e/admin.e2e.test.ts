import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "./locator-matchers.js";
import { freePort } from "../../../../tooling/test-support/postgres-cluster.js";
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
} from "./harness.js";

const LOGIN = "admin e2e login password";
const SMP = "alice's Secure Mail Password";

/** `openssl verify …`: its combined output and exit status (a revoked certificate is a failure). */
function verify(args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync("openssl", ["verify", ...args], { cwd, encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/**
 * Administration in real headless Chromium against Sealbox started as the README starts it,
 * with SEALBOX_PUBLIC_URL set to the web's own address: who sees Admin, a domain admin kept
 * to their domain, a key generated in the browser naming the CRL distribution point, and a
 * certificate revoked in the browser that OpenSSL then finds revoked in the CRL it fetches
 * over HTTP from the running web, without logging in.
 */
describe("administration in a browser", () => {
  let sb: Sealbox;
  let browser: Browser;
  let files: string;
  let publicUrl: string;

  const admin = (page: Page) =>
    page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" });

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    sb = await startSealbox({ env: { SEALBOX_WEB_PORT: String(port), SEALBOX_PUBLIC_URL: publicUrl } });
    browser = await launchBrowser();
    files = scratch();
    for (const domain of ["srv.example", "example.test", "other.test"]) sb.cli(["domain", "add", domain]);
    const env = { LOGIN };
    for (const [address, name, role] of [
      ["root@srv.example", "Root Admin", "server-admin"],
      ["dora@example.test", "Dora Admin", "domain-admin"],
      ["alice@example.test", "Alice Example", "user"],
      ["bob@example.test", "Bob Example", "user"],
      ["olga@other.test", "Olga Other", "user"],
    ] as const)
      sb.cli(["account", "add", address, "--password-env", "LOGIN", "--name", name, "--role", role], { env });
    // Bob's key comes from the CLI (SEALBOX_PUBLIC_URL reaches it too): a certificate that stays good.
    sb.cli(["secure-mail", "generate", "bob@example.test", "--secure-password-env", "SMP"], { env: { SMP } });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.stop();
  });

  /** An account's current certificate as PEM, exported through the CLI and unpacked by OpenSSL. */
  function certificatePem(address: string, name: string): string {
    const pfx = join(files, `${name}.pfx`);
    sb.cli(
      [
        "secure-mail",
        "export",
        address,
        "--secure-password-env",
        "SMP",
        "--out",
        pfx,
        "--file-password-env",
        "FP",
      ],
      { env: { SMP, FP: "file pw" } },
    );
    const pem = openssl(["pkcs12", "-in", pfx, "-passin", "pass:file pw", "-nokeys", "-clcerts"]).toString();
    const path = join(files, `${name}.pem`);
    writeFileSync(path, openssl(["x509"], { input: pem }));
    return path;
  }

  it("a server admin and a domain admin see Admin in the navigation, a plain user does not", async () => {
    for (const [address, sees] of [
      ["root@srv.example", true],
      ["dora@example.test", true],
      ["alice@example.test", false],
    ] as const) {
      const { context, page } = await signIn(browser, sb.url, address, LOGIN);
      await expect(admin(page)).toHaveCount(sees ? 1 : 0);
      if (!sees) {
        await page.goto(`${sb.url}/admin`);
        await expect(page.getByText("Administration is for server and domain administrators.")).toBeVisible();
      }
      await context.close();
    }
  });

  it("a domain admin sees and changes only their own domain", async () => {
    const { context, page } = await signIn(browser, sb.url, "dora@example.test", LOGIN);
    await admin(page).click();
    await expect(page.getByRole("link", { name: "example.test", exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "other.test" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "srv.example" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Add Domain" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Server CA" })).toHaveCount(0);
    await screenshot(page, "admin-domain-admin-desktop");

    // Settings of the own domain: a new unlock lifetime, as the CLI then reports it.
    await page.getByRole("link", { name: "example.test", exact: true }).click();
    await page.getByLabel("Unlock Lifetime (seconds)").fill("300");
    await page.getByRole("button", { name: "Save Domain Settings" }).click();
    await expect(page.getByRole("status")).toContainText("The settings of example.test are saved.");
    const listed = JSON.parse(sb.cli(["domain", "list", "--json"]).stdout) as Array<{
      name: string;
      unlockSeconds: number;
    }>;
    expect(listed.find((d) => d.name === "example.test")?.unlockSeconds).toBe(300);
    expect(listed.find((d) => d.name === "other.test")?.unlockSeconds).toBe(180);

    // Accounts: only the domain's own; a new one added here.
    await page.getByRole("navigation", { name: "Domain" }).getByRole("link", { name: "Accounts" }).click();
    await expect(page.getByRole("link", { name: "alice@example.test" })).toBeVisible();
    await expect(page.getByText("olga@other.test")).toHaveCount(0);
    await expect(page.getByText("root@srv.example")).toHaveCount(0);
    // A domain admin is not offered the server-admin role.
    await expect(page.getByLabel("Role").locator("option", { hasText: "Server Administrator" })).toHaveCount(
      0,
    );
    await page.getByLabel("Address").fill("carol@example.test");
    await page.getByLabel("Real Name").fill("Carol Example");
    await page.getByLabel("Login Password", { exact: true }).fill(LOGIN);
    await page.getByLabel("Reenter Login Password").fill(LOGIN);
    await page.getByRole("button", { name: "Add Account" }).click();
    await expect(page.getByRole("link", { name: "carol@example.test" })).toBeVisible();
    expect(sb.cli(["account", "list", "example.test"]).stdout).toContain("carol@example.test");

    // Another domain's pages, and the server CA, refuse.
    await page.goto(`${sb.url}/admin/domains/other.test/accounts`);
    await expect(page.getByRole("alert")).toContainText("You administer example.test only.");
    await expect(page.getByText("olga@other.test")).toHaveCount(0);
    await page.goto(`${sb.url}/admin/ca`);
    await expect(page.getByText("The server CA is for server administrators.")).toBeVisible();
    await context.close();
  });

  it("a key generated in the browser names $SEALBOX_PUBLIC_URL/pki/ca.crl as its CRL distribution point", async () => {
    const { context, page } = await signIn(browser, sb.url, "alice@example.test", LOGIN);
    await page.goto(`${sb.url}/settings/secure-mail`);
    await page.getByLabel("New Password", { exact: true }).fill(SMP);
    await page.getByLabel("Reenter Password").fill(SMP);
    await page.getByRole("button", { name: "Generate Key and Certificate" }).click();
    await expect(page.getByText("RSA 2048")).toBeVisible({ timeout: 60_000 });
    await context.close();
    const text = openssl([
      "x509",
      "-in",
      certificatePem("alice@example.test", "alice"),
      "-noout",
      "-text",
    ]).toString();
    expect(text).toMatch(/X509v3 CRL Distribution Points:\s+Full Name:\s+URI:(\S+)/);
    expect(text.match(/URI:(\S+)/)?.[1]).toBe(`${publicUrl}/pki/ca.crl`);
  });

  it("a certificate revoked in the browser is revoked for openssl verify -crl_check against the CRL fetched over HTTP", async () => {
    const alicePem = certificatePem("alice@example.test", "alice-current");
    const bobPem = certificatePem("bob@example.test", "bob");

    const { context, page } = await signIn(browser, sb.url, "root@srv.example", LOGIN);
    await admin(page).click();
    await expect(page.getByRole("link", { name: "other.test" })).toBeVisible();
    await page.getByRole("link", { name: "Server CA" }).click();
    await expect(page.getByText(`${publicUrl}/pki/ca.crl`)).toBeVisible();
    await page.getByLabel("Revoke By").selectOption("account");
    await page.getByLabel("Account", { exact: true }).fill("alice@example.test");
    await page.getByLabel("Reason").selectOption("keyCompromise");
    await page.getByRole("button", { name: "Revoke Certificate" }).click();
    await page.getByRole("button", { name: "Confirm Revocation" }).click();
    await expect(page.getByRole("status")).toContainText("Revoked serial");
    await expect(page.getByText(/Revoked .*\(Key compromise\)/)).toBeVisible();
    await screenshot(page, "admin-server-ca-desktop");
    await page.setViewportSize(PHONE);
    await screenshot(page, "admin-server-ca-phone");
    await page.setViewportSize(DESKTOP);
    // The account's page says so too.
    await page.goto(`${sb.url}/admin/account?address=alice@example.test`);
    await expect(page.getByText("Revoked by the server CA")).toBeVisible();
    await context.close();

    // Over plain HTTP, without a session: DER with the PKIX media types and a CSP header.
    const crlResponse = await fetch(`${sb.url}/pki/ca.crl`);
    expect(crlResponse.status).toBe(200);
    expect(crlResponse.headers.get("content-type")).toBe("application/pkix-crl");
    expect(crlResponse.headers.get("content-security-policy")).toContain("default-src 'none'");
    const caResponse = await fetch(`${sb.url}/pki/ca.crt`);
    expect(caResponse.status).toBe(200);
    expect(caResponse.headers.get("content-type")).toBe("application/pkix-cert");
    expect(caResponse.headers.get("content-security-policy")).toContain("default-src 'none'");
    writeFileSync(join(files, "crl.der"), Buffer.from(await crlResponse.arrayBuffer()));
    writeFileSync(join(files, "ca.der"), Buffer.from(await caResponse.arrayBuffer()));
    openssl(["crl", "-inform", "DER", "-in", "crl.der", "-out", "crl.pem"], { cwd: files });
    openssl(["x509", "-inform", "DER", "-in", "ca.der", "-out", "ca.pem"], { cwd: files });

    const revoked = verify(["-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", alicePem], files);
    expect(revoked.ok, revoked.out).toBe(false);
    expect(revoked.out).toContain("certificate revoked");
    const good = verify(["-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", bobPem], files);
    expect(good, good.out).toMatchObject({ ok: true });
    // OpenSSL also follows the distribution point in the certificate by itself.
    const downloaded = verify(["-crl_check", "-crl_download", "-CAfile", "ca.pem", alicePem], files);
    expect(downloaded.out).toContain("certificate revoked");
    expect(openssl(["crl", "-in", "crl.pem", "-noout", "-text"], { cwd: files }).toString()).toContain(
      "Key Compromise",
    );
  });
});
