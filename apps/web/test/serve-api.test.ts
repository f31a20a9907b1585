import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openStore, type Store, silentLogger } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgresCluster } from "../../../tooling/test-support/postgres-cluster.js";

const root = resolve(import.meta.dirname, "../../..");
const webDir = resolve(import.meta.dirname, "..");
const SECRET = "serve-api test server secret of a decent length";

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

interface Served {
  url: string;
  child: ChildProcess;
}

async function serve(
  home: string,
  extra: Record<string, string>,
  stderr: "inherit" | "pipe" = "inherit",
): Promise<Served> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extra,
    SEALBOX_HOME: home,
    SEALBOX_STORE: extra.SEALBOX_STORE ?? "",
    SEALBOX_SECRET: SECRET,
    SEALBOX_WEB_PROCESSES: "1",
    NODE_ENV: "production",
  };
  // The build below writes the default output folder.
  delete env.SEALBOX_NEXT_DIST_DIR;
  const child = spawn("node", ["serve.mjs", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: webDir,
    env,
    stdio: ["ignore", "ignore", stderr],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/api/trpc/system.info`);
      return { url, child };
    } catch {
      if (i > 300 || child.exitCode !== null) throw new Error("serve.mjs did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const SECURITY_HEADERS = [
  "content-security-policy",
  "x-content-type-options",
  "referrer-policy",
  "x-frame-options",
  "cache-control",
  "content-type",
];

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | null>;
  cookies: string[];
}

async function call(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer & { vary: string; token: string | null }> {
  const response = await fetch(`${url}/api/trpc/${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  const cookies = response.headers.getSetCookie();
  const token = /sealbox_session=([^;]+)/.exec(cookies[0] ?? "")?.[1] ?? null;
  return {
    status: response.status,
    body: JSON.parse(text),
    headers: Object.fromEntries(SECURITY_HEADERS.map((h) => [h, response.headers.get(h)])),
    // The token differs per login; its attributes must not.
    cookies: cookies.map((c) => c.replace(/sealbox_session=[^;]+/, "sealbox_session=TOKEN")),
    vary: response.headers.get("vary") ?? "",
    token,
  };
}

/** One visitor's requests: signed out, a login, signed-in reads, mutations with and without the anti-CSRF token, logout. */
async function scenario(
  store: Store,
  url: string,
  account: string,
): Promise<{ answers: Answer[]; varies: string[] }> {
  const answers: Array<Answer & { vary: string; token: string | null }> = [];
  const record = async (path: string, init?: Parameters<typeof call>[2]) => {
    const a = await call(url, path, init);
    // Each run signs in its own account: its address and the new folder's id are its own.
    a.body = JSON.parse(
      JSON.stringify(a.body)
        .replaceAll(account, "ACCOUNT")
        .replace(/"id":"[^"]*"/g, '"id":"ID"'),
    );
    answers.push(a);
    return a;
  };
  await record("system.info");
  await record("mail.list?input=%7B%22mailboxId%22%3A%22x%22%7D");
  await record("nope.nothing");
  await record("system.info,auth.me?batch=1&input=%7B%7D");
  await record("auth.login", { method: "POST", body: { account: account, password: "wrong" } });
  await record("auth.login", { method: "POST", body: "not an object" });
  await record("auth.login", {
    method: "POST",
    body: { account: account, password: "login password" },
    headers: { origin: "http://elsewhere.example" },
  });
  const login = await record("auth.login", {
    method: "POST",
    body: { account: account, password: "login password" },
    headers: { origin: url },
  });
  const token = login.token;
  if (!token) throw new Error("no session cookie after Log In");
  const csrf = (await store.sessions.resolve(token))?.csrf ?? "";
  const cookie = { cookie: `sealbox_session=${token}` };
  await record("auth.me", { headers: cookie });
  await record("mail.createMailbox", { method: "POST", body: { name: "Kept" }, headers: cookie });
  await record("mail.createMailbox", {
    method: "POST",
    body: { name: "Kept" },
    headers: { ...cookie, "x-sealbox-csrf": "not the token" },
  });
  await record("mail.createMailbox", {
    method: "POST",
    body: { name: "Kept" },
    headers: { ...cookie, "x-sealbox-csrf": csrf },
  });
  await record("auth.logout", {
    method: "POST",
    headers: { ...cookie, "x-sealbox-csrf": csrf, "content-type": "application/json" },
  });
  await record("auth.me", { headers: cookie });
  return {
    answers: answers.map(({ vary: _v, token: _t, ...a }) => a),
    varies: answers.map((a) => a.vary),
  };
}

/**
 * serve.mjs answers tRPC calls with the bundled handler instead of Next.js: every answer —
 * status, body, security headers, session cookie — must be the one Next.js's route gives.
 */
describe("serve.mjs API calls", () => {
  const home = mkdtempSync(join(tmpdir(), "sealbox-serve-api-"));
  const servers: Served[] = [];
  let store: Store;

  beforeAll(async () => {
    const built = spawnSync("bash", ["-c", "source scripts/lib/env.sh && pnpm run build"], {
      cwd: root,
      env: { ...process.env, SEALBOX_NEXT_DIST_DIR: "" },
      encoding: "utf8",
    });
    if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}\n${built.stderr}`);
    expect(existsSync(join(webDir, ".next/sealbox-api/handler.mjs"))).toBe(true);
    store = await openStore(`sqlite:${join(home, "sealbox.db")}`, {
      base: home,
      logger: silentLogger,
      serverSecret: Buffer.from(SECRET),
    });
    await store.accounts.add("alice@serve.example", { password: "login password", createDomain: true });
    await store.accounts.add("bob@serve.example", { password: "login password" });
  }, 600_000);

  afterAll(async () => {
    for (const s of servers) {
      s.child.kill("SIGTERM");
      if (s.child.exitCode === null) await new Promise((r) => s.child.once("exit", r));
    }
    await store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("gives the same answers as the Next.js route, without going through Next.js", async () => {
    const direct = await serve(home, {});
    servers.push(direct);
    const viaNext = await serve(home, { SEALBOX_WEB_API: "next" });
    servers.push(viaNext);

    const a = await scenario(store, viaNext.url, "alice@serve.example");
    const b = await scenario(store, direct.url, "bob@serve.example");
    expect(b.answers).toEqual(a.answers);

    // The answers say what they should (not merely the same on both).
    const statuses = b.answers.map((x) => x.status);
    expect(statuses).toEqual([200, 401, 404, 207, 401, 400, 403, 200, 200, 403, 403, 200, 200, 401]);
    for (const x of b.answers) {
      expect(x.headers["content-security-policy"]).toBe(
        "default-src 'none'; frame-ancestors 'none'; sandbox",
      );
      expect(x.headers["x-content-type-options"]).toBe("nosniff");
      expect(x.headers["cache-control"]).toBe("no-store");
    }
    expect(b.answers[7]?.cookies).toEqual([
      "sealbox_session=TOKEN; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800",
    ]);
    expect(b.answers[11]?.body).toMatchObject({ result: { data: { name: "Kept" } } });
    expect(b.answers[12]?.cookies).toEqual(["sealbox_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"]);

    // Next.js marks what it served (Vary names its router headers); the direct path does not.
    expect(a.varies.every((v) => v.includes("rsc"))).toBe(true);
    expect(b.varies.some((v) => v.includes("rsc"))).toBe(false);
  }, 120_000);

  it("answers the calls it has received before a stop closes the store", async () => {
    // On PostgreSQL a call waits for the database between its queries, so a stop arrives
    // while calls are half done (SQLite runs each call to its end in one turn).
    const cluster = await startPostgresCluster();
    try {
      const pgStore = await openStore(cluster.url, {
        base: home,
        logger: silentLogger,
        serverSecret: Buffer.from(SECRET),
      });
      const { account } = await pgStore.accounts.add("carol@serve.example", {
        password: "login password",
        createDomain: true,
      });
      const inbox = await pgStore.mailboxes.require(account.id, "INBOX");
      const { token } = await pgStore.sessions.create(account.id, { client: "127.0.0.1" });
      await pgStore.close();
      const s = await serve(home, { SEALBOX_STORE: cluster.url }, "pipe");
      let stderr = "";
      s.child.stderr?.on("data", (chunk) => {
        stderr += String(chunk);
      });
      const exited = new Promise((r) => s.child.once("exit", r));
      // Clients that keep calling (as the benchmark's do) until the server is gone.
      const path = `mail.list?input=${encodeURIComponent(JSON.stringify({ mailboxId: inbox.id }))}`;
      const statuses: number[] = [];
      let stopped = false;
      const client = async () => {
        while (!stopped) {
          try {
            const r = await fetch(`${s.url}/api/trpc/${path}`, {
              headers: { cookie: `sealbox_session=${token}` },
            });
            await r.arrayBuffer();
            statuses.push(r.status);
          } catch {
            return; // refused or reset: the server has stopped
          }
        }
      };
      const clients = Array.from({ length: 20 }, client);
      await new Promise((r) => setTimeout(r, 1500));
      const before = statuses.length;
      s.child.kill("SIGTERM");
      await exited;
      stopped = true;
      await Promise.all(clients);
      expect(before).toBeGreaterThan(50);
      expect(statuses.filter((x) => x !== 200)).toEqual([]);
      expect(stderr).not.toMatch(/destroyed|unexpected error|failed/);
    } finally {
      await cluster.stop();
    }
  }, 120_000);
});
