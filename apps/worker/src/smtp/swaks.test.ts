import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlite } from "../../test/backends.js";
import { giveCertificate, openTestStore, SECURE_PASSWORD, storedMessages } from "../../test/harness.js";
import { freePort } from "../../test/postgres-cluster.js";
import { startWorkerProcess, type WorkerProcess } from "../../test/worker-process.js";

const run = promisify(execFile);
const SEALBOX = resolve(import.meta.dirname, "../../../../bin/sealbox");

/**
 * End to end: a message sent with swaks (Debian's SMTP test client) to a local
 * account with a Store Encrypted rule shows up in `sealbox message list` as encrypted, and
 * its plaintext is nowhere — not in any stored message, not in the database file or its WAL;
 * and OpenSSL decrypts the stored copy back to what swaks sent.
 */
describe("swaks → bin/sealbox-worker → Store Encrypted → sealbox message list", () => {
  let store: Store;
  let target: Awaited<ReturnType<typeof sqlite.fresh>>;
  let worker: WorkerProcess;
  let port: number;
  let accountId: string;
  const work = mkdtempSync(join(tmpdir(), "sealbox-swaks-"));

  beforeAll(async () => {
    target = await sqlite.fresh();
    store = await openTestStore(target);
    await store.domains.add("local.test");
    accountId = (await store.accounts.add("dave@local.test", { password: "dave-password" })).account.id;
    await giveCertificate(store, accountId);
    await store.rules.add(
      { accountId },
      {
        name: "secret",
        conditions: [{ field: "Subject", op: "is", value: "*secret*" }],
        actions: [{ action: "Store Encrypted in", argument: "INBOX" }],
      },
    );
    port = await freePort();
    worker = await startWorkerProcess({
      SEALBOX_HOME: target.base,
      SEALBOX_STORE: target.url,
      SEALBOX_SMTP_PORT: String(port),
    });
  });
  afterAll(async () => {
    worker?.kill("SIGTERM");
    await worker?.exited;
    await store.close();
    await target.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it("is stored encrypted and listed as encrypted, and decrypts to what was sent", async () => {
    const marker = `swaks-plaintext-${Date.now()}`;
    const swaks = await run("swaks", [
      "--server",
      `127.0.0.1:${port}`,
      "--from",
      "sender@remote.example",
      "--to",
      "dave@local.test",
      "--header",
      "Subject: a secret from swaks",
      "--body",
      marker,
    ]);
    // swaks shows the server's replies as "<-  …" (on stdout or stderr, by version).
    expect(`${swaks.stdout}${swaks.stderr}`).toMatch(/<- {2}250 2\.0\.0 OK: stored/);

    const listed = await run(SEALBOX, ["message", "list", "dave@local.test", "INBOX", "--json"], {
      env: { ...process.env, SEALBOX_HOME: target.base, SEALBOX_STORE: target.url },
    });
    const messages = JSON.parse(listed.stdout) as Array<{
      subject: string;
      security: string;
      cipher: string;
    }>;
    expect(messages).toEqual([
      expect.objectContaining({
        subject: "a secret from swaks",
        security: "encrypted",
        cipher: "AES-256-CBC",
      }),
    ]);

    // Nowhere in plaintext: no stored message, no byte of the database or its write-ahead log.
    const stored = await storedMessages(store, accountId);
    expect(stored.some((m) => m.raw.includes(marker))).toBe(false);
    const dbFile = target.url.replace(/^sqlite:/, "");
    for (const file of [dbFile, `${dbFile}-wal`])
      if (existsSync(file)) expect(readFileSync(file).includes(marker)).toBe(false);

    // OpenSSL (the real peer) decrypts it with the account's key, exported as a PKCS#12 file.
    const pfx = await store.secureMail.exportPfx(accountId, SECURE_PASSWORD, "file-password");
    writeFileSync(join(work, "dave.p12"), pfx);
    writeFileSync(join(work, "stored.eml"), stored[0]?.raw ?? "");
    await run("openssl", [
      "pkcs12",
      "-in",
      join(work, "dave.p12"),
      "-nodes",
      "-passin",
      "pass:file-password",
      "-out",
      join(work, "dave.pem"),
    ]);
    const decrypted = await run("openssl", [
      "cms",
      "-decrypt",
      "-in",
      join(work, "stored.eml"),
      "-inkey",
      join(work, "dave.pem"),
    ]);
    expect(decrypted.stdout).toContain(marker);
    expect(decrypted.stdout).toContain("Subject: a secret from swaks");
  });
});
