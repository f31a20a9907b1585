import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backend, postgres, sqlite } from "../test/backends.js";
import { giveCertificate, openTestStore, SECURE_PASSWORD, smtpSend } from "../test/harness.js";
import { freePort, pgBin } from "../test/postgres-cluster.js";
import { dialog } from "../test/smtp-dialog.js";
import { startWorkerProcess, type WorkerProcess } from "../test/worker-process.js";

/**
 * A 64 MiB message over real SMTP to a real worker process: read back byte for byte (plain and
 * decrypted), never in plaintext in the data folder while a Store Encrypted delivery is in
 * flight (spool included), and a kill -9 during DATA leaves nothing readable and nothing
 * stored. Timeouts sized for a shared 2-core machine.
 */
const SIZE = 64 * 1024 * 1024;
/** The client waits this long for the reply after the final dot (Postfix waits 600 s). */
const LONG_WAIT = { socketTimeoutMs: 300_000 };

/** A message of exactly `size` bytes whose body carries `marker` on every line. */
function bigMessage(subject: string, marker: string, size = SIZE): Buffer {
  const head = Buffer.from(
    `From: Sender <sender@remote.example>\r\nTo: many@local.test\r\nSubject: ${subject}\r\n` +
      `Date: Sat, 05 Dec 2026 07:00:00 +0000\r\nMessage-ID: <${randomBytes(8).toString("hex")}@remote.example>\r\n` +
      "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
  );
  const line = Buffer.from(`${marker} ${randomBytes(24).toString("base64")}\r\n`);
  const out = Buffer.alloc(size, 0x2e);
  head.copy(out);
  for (let at = head.length; at + line.length <= size - 2; at += line.length) line.copy(out, at);
  out.write("\r\n", size - 2);
  return out;
}

/** Files under the data folder that contain `needle` (SQLite db, -wal, -shm, spool files…). */
function filesContaining(dir: string, needle: Buffer): string[] {
  const hits: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) continue;
      if (readFileSync(path).includes(needle)) hits.push(name);
    } catch {
      // Removed between the listing and the read (a spool file after its reply): fine.
    }
  }
  return hits;
}

describe.each<Backend>([sqlite, postgres])("a 64 MiB message on $name", (backend) => {
  let store: Store;
  let target: Awaited<ReturnType<Backend["fresh"]>>;
  let worker: WorkerProcess | undefined;
  let env: Record<string, string>;
  let port: number;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    target = await backend.fresh();
    store = await openTestStore(target);
    await store.domains.add("local.test");
    for (const name of ["plain", "sealed1", "sealed2"]) {
      ids[name] = (await store.accounts.add(`${name}@local.test`, { password: "pw" })).account.id;
      if (name === "plain") continue;
      await giveCertificate(store, ids[name] as string);
      await store.rules.add(
        { accountId: ids[name] as string },
        { name: "all sealed", actions: [{ action: "Store Encrypted in", argument: "INBOX" }] },
      );
    }
    port = await freePort();
    env = {
      SEALBOX_HOME: target.base,
      SEALBOX_STORE: target.url,
      SEALBOX_SMTP_PORT: String(port),
      SEALBOX_SMTP_MAX_BYTES: String(SIZE + 1024 * 1024),
      SEALBOX_SMTP_DATA_TIMEOUT_MS: "300000",
    };
    worker = await startWorkerProcess(env);
  }, 120_000);

  afterAll(async () => {
    worker?.kill("SIGTERM");
    await worker?.exited;
    await store?.close();
    await target?.cleanup();
  });

  /** On PostgreSQL, the cluster's data directory (its tables, TOAST and write-ahead log). */
  function clusterDirectory(): string | undefined {
    return backend.name === "postgres"
      ? execFileSync(pgBin("psql"), ["-Atc", "show data_directory", target.url]).toString().trim()
      : undefined;
  }

  /** Files holding `needle`: the data folder (spool included) and, on PostgreSQL, the cluster's files. */
  function plaintextFiles(needle: Buffer): string[] {
    const cluster = clusterDirectory();
    return [
      ...filesContaining(target.base, needle),
      ...(cluster ? filesContaining(cluster, needle).map((f) => `cluster:${f}`) : []),
    ];
  }

  async function inbox(name: string) {
    const id = ids[name] as string;
    const box = await store.mailboxes.require(id, "INBOX");
    return (await store.listMessages(id, box.id, { limit: 100 })).messages;
  }

  it("stores every copy: plain identical byte for byte, Store Encrypted decrypting to the same bytes", async () => {
    const marker = `big-${randomBytes(6).toString("hex")}`;
    const raw = bigMessage("sixty-four", marker);
    const sent = await smtpSend(
      port,
      {
        from: "sender@remote.example",
        to: ["plain@local.test", "sealed1@local.test", "sealed2@local.test"],
        raw,
      },
      LONG_WAIT,
    );
    expect(sent, sent.response).toMatchObject({ ok: true, code: 250 });

    const [plainCopy] = await inbox("plain");
    expect(plainCopy).toMatchObject({ security: "plain", subject: "sixty-four" });
    const stored = Buffer.from(await store.messages.raw(ids.plain as string, plainCopy?.id as string));
    // The worker's Received: field in front, then the message exactly as sent.
    expect(stored.subarray(0, 10).toString()).toBe("Received: ");
    const received = stored.length - raw.length;
    expect(stored.subarray(received).equals(raw)).toBe(true);
    expect(plainCopy?.size).toBe(stored.length);

    for (const name of ["sealed1", "sealed2"]) {
      const [copy] = await inbox(name);
      expect(copy).toMatchObject({ security: "encrypted", subject: "sixty-four" });
      const sealed = Buffer.from(await store.messages.raw(ids[name] as string, copy?.id as string));
      expect(sealed.includes(Buffer.from(marker))).toBe(false);
      const plain = await store.messageCrypto.decryptInPlace(
        ids[name] as string,
        copy?.id as string,
        SECURE_PASSWORD,
      );
      const opened = Buffer.from(await store.messages.raw(ids[name] as string, plain.id));
      expect(opened.equals(stored)).toBe(true);
    }
  }, 600_000);

  it("no plaintext anywhere in the data folder while a Store Encrypted delivery is in flight", async () => {
    const marker = `flight-${randomBytes(8).toString("hex")}`;
    const raw = bigMessage("in flight", marker);
    const needle = Buffer.from(marker);
    const clusterDir = clusterDirectory();
    const everywhere = () => plaintextFiles(needle);
    let samples = 0;
    let spoolSeen = false;
    const hits: string[] = [];
    let sending = true;
    const sampler = (async () => {
      while (sending) {
        hits.push(...everywhere());
        if (readdirSync(join(target.base, "spool")).length > 0) spoolSeen = true;
        samples++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const sent = await smtpSend(
      port,
      {
        from: "sender@remote.example",
        to: ["sealed1@local.test", "sealed2@local.test"],
        raw,
      },
      LONG_WAIT,
    );
    sending = false;
    await sampler;
    hits.push(...everywhere());
    expect(sent, sent.response).toMatchObject({ ok: true, code: 250 });
    expect(hits).toEqual([]);
    // The search can fail: a small plain delivery's marker is found where it was stored.
    const control = `control-${randomBytes(8).toString("hex")}`;
    const plain = await smtpSend(port, {
      from: "sender@remote.example",
      to: ["plain@local.test"],
      raw: Buffer.from(`Subject: control\r\n\r\n${control}\r\n`),
    });
    expect(plain, plain.response).toMatchObject({ ok: true, code: 250 });
    const found = clusterDir
      ? filesContaining(clusterDir, Buffer.from(control))
      : filesContaining(target.base, Buffer.from(control));
    expect(found.length).toBeGreaterThan(0);
    expect(spoolSeen).toBe(true); // the sampler did see the message in the spool
    expect(samples).toBeGreaterThan(3);
    // After the reply the spool file is gone.
    expect(readdirSync(join(target.base, "spool"))).toEqual([]);
    for (const name of ["sealed1", "sealed2"])
      expect((await inbox(name)).map((m) => m.subject)).toContain("in flight");
  }, 600_000);

  it("kill -9 during DATA: no plaintext, nothing stored, the spool emptied at the next start", async () => {
    const marker = `killed-${randomBytes(8).toString("hex")}`;
    const raw = bigMessage("killed mid-data", marker, 24 * 1024 * 1024);
    // Every recipient's INBOX, the Store Encrypted one's too.
    const counts = async () => [(await inbox("plain")).length, (await inbox("sealed1")).length];
    const before = await counts();
    const d = await dialog(port);
    await d.command("EHLO client.example");
    await d.command("MAIL FROM:<sender@remote.example>");
    await d.command("RCPT TO:<plain@local.test>");
    await d.command("RCPT TO:<sealed1@local.test>");
    expect(await d.command("DATA")).toMatch(/^354/);
    // Most of the message, never the final dot.
    d.write(raw.subarray(0, 20 * 1024 * 1024));
    const spool = join(target.base, "spool");
    const deadline = Date.now() + 120_000;
    const spooled = () => readdirSync(spool).reduce((n, f) => n + statSync(join(spool, f)).size, 0);
    while (spooled() < 8 * 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(spooled()).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    worker?.kill("SIGKILL");
    await worker?.exited;
    d.close();
    expect(readdirSync(spool).length).toBeGreaterThan(0); // left behind, unreadable
    expect(plaintextFiles(Buffer.from(marker))).toEqual([]);
    expect(await counts()).toEqual(before);
    worker = await startWorkerProcess(env);
    expect(readdirSync(spool)).toEqual([]);
    expect(worker.output()).toMatch(/removed what an interrupted delivery left/);
    expect(plaintextFiles(Buffer.from(marker))).toEqual([]);
    expect(await counts()).toEqual(before);
  }, 300_000);
});
