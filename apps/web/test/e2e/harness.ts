import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { freePort } from "../../../../tooling/test-support/postgres-cluster.js";

export const root = resolve(import.meta.dirname, "../../../..");
const webDir = join(root, "apps/web");

/** Screenshots are test artefacts (not committed): in the test command's results folder. */
export const artefacts = join(
  process.env.SEALBOX_TEST_RESULTS ?? join(tmpdir(), "sealbox-e2e"),
  "screenshots",
);

export interface Sealbox {
  home: string;
  url: string;
  smtpPort: number;
  env: NodeJS.ProcessEnv;
  output(): string;
  /** ./bin/sealbox against this instance's store; throws with its output on a non-zero exit. */
  cli(
    args: string[],
    options?: { env?: Record<string, string>; input?: string | Buffer; allowFail?: boolean },
  ): {
    status: number;
    stdout: string;
    stderr: string;
  };
  /** Another web process on the same store (multi-process sessions and unlocks). */
  startSecondWeb(): Promise<{ url: string; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number, log: () => string) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`${what} not ready after ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function serving(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGINT"): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    child.kill(signal);
  });
}

/**
 * Sealbox started the way the README starts it (scripts/start: web UI + worker on the
 * embedded SQLite store, or SEALBOX_STORE), on free loopback ports, in a throwaway data folder.
 */
export async function startSealbox(
  options: {
    store?: string;
    secret?: string;
    /** More settings for every process (e.g. SEALBOX_PUBLIC_URL; SEALBOX_WEB_PORT picks the port). */
    env?: Record<string, string>;
  } = {},
): Promise<Sealbox> {
  const home = mkdtempSync(join(tmpdir(), "sealbox-e2e-"));
  const webPort = Number(options.env?.SEALBOX_WEB_PORT) || (await freePort());
  const smtpPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SEALBOX_HOME: home,
    SEALBOX_STORE: options.store ?? "",
    SEALBOX_WEB_PORT: String(webPort),
    SEALBOX_SMTP_PORT: String(smtpPort),
    SEALBOX_SMTP_HOST: "127.0.0.1",
    SEALBOX_LOG_LEVEL: "warn",
    ...(options.secret ? { SEALBOX_SECRET: options.secret } : {}),
    ...options.env,
  };
  let log = "";
  const child = spawn("bash", [join(root, "scripts/start")], {
    cwd: tmpdir(),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => {
    log += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    log += c.toString();
  });
  const url = `http://127.0.0.1:${webPort}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`scripts/start exited early:\n${log}`);
      return log.includes("Sealbox is running") && (await serving(url));
    },
    "scripts/start",
    240_000,
    () => log,
  );
  const seconds: ChildProcess[] = [];
  const cli: Sealbox["cli"] = (args, opts = {}) => {
    const result = spawnSync(join(root, "bin/sealbox"), args, {
      env: { ...env, ...opts.env },
      input: opts.input,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0 && !opts.allowFail)
      throw new Error(
        `sealbox ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`,
      );
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  return {
    home,
    url,
    smtpPort,
    env,
    output: () => log,
    cli,
    async startSecondWeb() {
      const port = await freePort();
      let out = "";
      const web = spawn("node", ["serve.mjs", "--hostname", "127.0.0.1", "--port", String(port)], {
        cwd: webDir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      web.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
      });
      web.stderr?.on("data", (c: Buffer) => {
        out += c.toString();
      });
      seconds.push(web);
      const second = `http://127.0.0.1:${port}`;
      await waitFor(
        () => serving(second),
        "second web process",
        60_000,
        () => out,
      );
      return { url: second, stop: () => stopChild(web, "SIGTERM") };
    },
    async stop() {
      for (const s of seconds) await stopChild(s, "SIGTERM");
      await stopChild(child);
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 800 };

/** A fresh browser context (its own cookies) signed in as `account`. */
export async function signIn(
  browser: Browser,
  url: string,
  account: string,
  password: string,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${url}/mail/INBOX`);
  await page.getByLabel("Account").fill(account);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log In" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
  return { context, page };
}

/** Unlocks with the lock panel (or whichever one Secure Mail Password field the page shows). */
export async function unlock(page: Page, password: string): Promise<void> {
  await page.getByLabel("Secure Mail Password").fill(password);
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByText("Secure Mail is Unlocked").waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artefacts, { recursive: true });
  await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: false });
}

/** openssl with its output; throws on failure. */
export function openssl(args: string[], options: { cwd?: string; input?: Buffer | string } = {}): Buffer {
  const r = spawnSync("openssl", args, {
    cwd: options.cwd,
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** swaks over real SMTP to the worker. */
export function swaks(port: number, args: string[]): string {
  const r = spawnSync("swaks", ["--server", `127.0.0.1:${port}`, "--silent", "2", ...args], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`swaks failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A local HTTP listener that records every request it gets (the EFAIL tests' attacker). */
export async function requestRecorder(): Promise<{
  url: string;
  requests: string[];
  close(): Promise<void>;
}> {
  const requests: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "content-type": "image/gif" });
    res.end(Buffer.from("R0lGODlhAQABAAAAACw=", "base64"));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A scratch folder with files in it. */
export function scratch(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-e2e-files-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
